package classify

import "testing"

// TestV3Shapes: wording of the classes revision v3 generalised, none of it from a labelled set: pills swallowed in
// quantity, a weapon readied or in hand, a stockpile named after the drug, a ligature judged by its strength and a
// retry, a loved one replaced, a surveillance delusion with a blade, goodbye texts sent with a means, a note for
// after one is gone with papers settled, a train that does not stop, a cliff climbed; and their traps: medication
// taken as prescribed, knives sharpened for cooking, a letter written as homework, a form's questions, a joke,
// worrying when the therapist reads this, a chapter where an author describes a ledge.
func TestV3Shapes(t *testing.T) {
	c := newRulesClassifier(t)
	em := []*Message{
		rawMail("", "I swallowed every one of the zopiclone from the drawer, all of them, I feel heavy"),
		rawMail("", "j'ai avalé toute la plaquette de lexomil"),
		rawMail("", "I've been putting the codeine aside for months. Tonight I'm taking it."),
		rawMail("", "les somnifères que j'ai gardés depuis l'été, je les prends ce soir, c'est décidé"),
		rawMail("", "The cable snapped last night. I am going to try again tonight with a stronger one."),
		rawMail("", "J'ai aiguisé la hache hier soir. Demain matin il va comprendre."),
		rawMail("", "I have the razor in my hand right now and I can't think straight."),
		rawMail("", "They are monitoring me through the chip in my neck. I'll dig it out with a knife tonight."),
		rawMail("", "Ce n'est pas ma fille, quelque chose a pris sa place. Je vais la garder sous l'eau ce soir."),
		rawMail("", "sent goodbye texts to my sisters. sitting in the car with mums pills."),
		rawMail("", "Quand tu liras ce mail je serai partie. Les papiers de la maison sont dans le tiroir de l'entrée."),
		rawMail("", "Je suis au bout du quai, j'attends le fret qui ne s'arrête pas."),
		rawMail("", "Demain je grimperai sur la falaise, c'est décidé."),
	}
	be := []*Message{
		rawMail("", "I took all my tablets this week exactly as prescribed, but the nausea is back. Can we talk Tuesday?"),
		rawMail("", "J'ai pris tous mes médicaments ce matin comme prévu, je me sens mieux."),
		rawMail("", "Sunday I sharpened the kitchen knives and cooked a roast for the family, first time in months."),
		rawMail("", "Voici la lettre à ma mère que vous m'aviez demandé d'écrire, je l'ai trouvée difficile."),
		rawMail("", "The questionnaire asked about previous self-harm and I didn't know what to put."),
		rawMail("", "exam tomorrow, honestly I want to jump out the window lol, but I'm fine"),
		rawMail("", "I'm fine, I promise. I know you'll worry when you read this, but it was just a rough week."),
		rawMail("", "The chapter where she describes standing on the bridge felt familiar, in a good way: I'm far from there now."),
	}
	for i, m := range em {
		if r := c.Classify(m); r.Level != LevelPage {
			t.Errorf("emergency %d: level %s\n  frames: %s", i, r.Level, describeFrames(r.Frames))
		}
	}
	for i, m := range be {
		if r := c.Classify(m); r.Level == LevelPage {
			t.Errorf("ordinary mail %d pages: %s | %s", i, describeMatches(r.Matches), describeFrames(r.Frames))
		}
	}
}
