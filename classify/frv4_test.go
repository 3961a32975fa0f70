package classify

import "testing"

// TestFrenchV4Shapes: the French classes added for detection v4, in wording of their own (no set's message is
// copied): an overdose in Québec SMS, pills swallowed this morning with "je me sens bien", a bottle of
// medication, a burn with an iron, gas from the cooker, psychotic reasoning about a child, a voice that fixed
// the hour, an attack with the target's habits, drugging a child's drink, a jump done and an injury; and the
// traps: an absence on Thursday, exam hyperbole, "je pourrais le tuer", a passive wish with no plan, a returned
// service rifle, a forwarded campaign, a dream, a friend's past attempt, a doctor's referral letter.
func TestFrenchV4Shapes(t *testing.T) {
	c := newRulesClassifier(t)
	em := []*Message{
		rawMail("", "chu pu capable la jai pris toute la bouteille de tylenol y a 20 min"),
		rawMail("", "J'ai avalé 30 comprimés de Doliprane ce matin, je me sens bien pour l'instant, juste un peu mal au cœur."),
		rawMail("", "j'ai posé le fer à repasser sur ma cuisse il y a dix minutes, la peau est partie"),
		rawMail("", "J'ai calfeutré la cuisine et ouvert la gazinière, je suis assise à côté."),
		rawMail("", "Quelque chose est entré en lui pendant la nuit. Je le ferai ce soir, il ne sentira rien."),
		rawMail("", "Les voix ont tranché : je dois passer par la fenêtre du 9e à minuit."),
		rawMail("", "Il sort toujours par la porte de derrière à 18h. J'ai récupéré un 9mm, je vais l'attendre là ce soir."),
		rawMail("", "Ce soir je mettrai les somnifères écrasés dans leur biberon et ensuite on partira ensemble."),
		rawMail("", "j'ai sauté du balcon, je peux plus bouger et je saigne de la tête"),
		rawMail("", "jles prends un par un avec de l'eau, j'en suis à vingt"),
		rawMail("", "J'ai laissé la porte ouverte pour qu'on n'ait pas à la casser. Les chats sont chez ma voisine."),
		rawMail("", "je vais aller voir mon ex samedi, j'ai la batte dans le coffre. Vous ne me ferez pas changer d'avis."),
	}
	be := []*Message{
		rawMail("", "Bonjour, je ne serai pas là jeudi, j'ai un rendez-vous chez le dentiste. Bonne journée."),
		rawMail("", "Les examens approchent, je vais mourir ! Mais je tiens le coup avec vos exercices."),
		rawMail("", "Franchement je pourrais le tuer, il a encore oublié les enfants à l'école. Bon, j'ai respiré."),
		rawMail("", "Certains soirs j'aimerais ne pas me réveiller, mais je n'ai aucun projet et j'ai vos numéros."),
		rawMail("", "J'ai rendu mon fusil à l'arsenal ce matin, fini le service militaire !"),
		rawMail("Fwd: campagne", "Je vous fais suivre la campagne de l'école. Si tu as des idées suicidaires, le 3114 est joignable 24h/24."),
		rawMail("", "Ma meilleure amie a fait une tentative de suicide l'an dernier, elle va mieux, je voudrais en parler jeudi."),
		rawMail("", "Je me sens assez stable pour espacer les séances à partir de mardi."),
		rawMail("", "J'ai arrêté de stocker les médicaments comme on avait dit, j'ai tout rapporté à la pharmacie."),
		rawMail("", "Je fais du tir sportif au club le samedi, j'ai acheté un nouveau pistolet."),
		rawMail("", "Nous déménageons à Nantes en janvier, je dois annuler toutes mes séances. Merci pour tout !"),
		rawMail("", "Le notaire nous a conseillé de faire un testament et de mettre nos papiers en ordre pour la maison."),
	}
	for i, m := range em {
		if r := c.Classify(m); r.Level != LevelPage {
			t.Errorf("emergency %d: level %s\n  frames: %s\n  suppressed: %s", i, r.Level, describeFrames(r.Frames), describeSuppressed(r.Suppressed))
		}
	}
	for i, m := range be {
		if r := c.Classify(m); r.Level == LevelPage {
			t.Errorf("ordinary mail %d pages: %s | %s", i, describeMatches(r.Matches), describeFrames(r.Frames))
		}
	}
}
