package classify

import (
	"strings"
	"testing"
)

// TestReviewContext covers the context behaviours added after the held-out and sealed review: a past verb after
// "and"/"et" stays in the past, a person who "left" is not an urge that passed, "sans arrêt" is no negation,
// reported speech does not cancel a third-party report, and teaching, reading lists and film scenes are topic talk.
func TestReviewContext(t *testing.T) {
	cases := []ruleCase{
		{"and + past verb stays past", "I wrote about the night when I was 19 and wanted to die.", VerdictHold, "past"},
		{"and + present is a new statement", "When I was 19 I was in hospital and I want to die again now.", VerdictEscalate, ""},
		{"et + imparfait stays past fr", "Quand j'avais 15 ans et voulais mourir, personne ne le savait.", VerdictHold, "past"},
		{"person left is not resolved fr", "Il a dit qu'il allait se jeter sous un train et il est parti du bureau.", VerdictEscalate, ""},
		{"person gone is not resolved en", "She said she would kill herself and now she is gone.", VerdictEscalate, ""},
		{"urge gone is resolved fr", "L'envie de me couper est partie depuis longtemps.", VerdictHold, ""},
		{"sans arrêt is no negation", "Depuis hier je pense sans arrêt à me tuer.", VerdictEscalate, ""},
		{"sans still negates", "Je vous écris sans aucune envie de me tuer, rassurez-vous.", VerdictHold, "negated"},
		{"reported speech, third party", "My colleague said that he would kill himself tonight and left the office.", VerdictEscalate, ""},
		{"reported speech, not third party", "My sister told me that she has thoughts of suicide since the divorce.", VerdictHold, "topic"},
		{"school assembly", "My son's school had an assembly about self-harm and he has questions.", VerdictHold, "topic"},
		{"reading list subject", "Subject: Reading list: self-harm in adolescents", VerdictHold, "topic"},
		{"film scene fr", "J'ai vu le film. La scène où elle se pend m'a bouleversée.", VerdictHold, "topic"},
		{"cours fr", "Ma fille a eu une intervention sur l'automutilation, elle pose des questions.", VerdictHold, "topic"},
		{"diary pages", "I found my old diary. Page after page of 'I want to die'.", VerdictHold, "topic"},
		// "Fine for now" is a state that may not last: it does not say the overdose is over.
		{"fine for now is not resolved fr", "J'ai avalé 30 de mes cachets hier soir, je me sens bien pour l'instant.", VerdictEscalate, ""},
		{"fine for now is not resolved en", "I swallowed 30 of my tablets last night and I feel fine now, for now.", VerdictEscalate, ""},
		{"fine is resolved fr", "J'ai avalé 30 de mes cachets hier soir, je me sens bien.", VerdictHold, "resolved"},
		{"knocking on the door fr", "Mon mari a encore frappé à la porte de la voisine pour le bruit.", VerdictHold, ""},
	}
	runCases(t, cases)
}

// TestReviewFamilies covers the phrase families added in both languages; each case is worded unlike the
// messages that revealed the gap.
func TestReviewFamilies(t *testing.T) {
	cases := []ruleCase{
		{"hoarding en", "I've been putting aside my quetiapine for weeks.", VerdictEscalate, ""},
		{"hoarding fr", "Je garde mes anxiolytiques depuis deux mois dans un tiroir.", VerdictEscalate, ""},
		{"time chosen en", "He's away on Friday, that's when I'm going to do it.", VerdictEscalate, ""},
		{"time chosen fr", "Il part vendredi, c'est là que je vais passer à l'acte.", VerdictEscalate, ""},
		{"whole packet en", "I took my sleeping tablets, the whole packet.", VerdictEscalate, ""},
		{"whole packet fr", "J'ai avalé mes cachets, toute la boîte.", VerdictEscalate, ""},
		{"partner hit child again en", "My partner hit Leo again last night.", VerdictEscalate, ""},
		{"partner hit child again fr", "Mon compagnon a encore giflé Inès ce matin.", VerdictEscalate, ""},
		{"really hurt me", "He says he will really hurt me next time.", VerdictEscalate, ""},
		{"see myself hurting", "I keep seeing myself stabbing him when he walks in.", VerdictEscalate, ""},
		{"future threat fr", "S'il revient je le tuerai.", VerdictEscalate, ""},
		{"letters and fault fr", "J'ai écrit aux enfants. Dites-leur que ce n'est pas leur faute.", VerdictEscalate, ""},
		{"letters and fault en", "Please tell the kids it's not their fault.", VerdictEscalate, ""},
		{"bridge with a name", "I'm on the Clifton bridge right now.", VerdictEscalate, ""},
		{"means at hand, two weak signals", "The rifle is in the shed. I've got it out and it's lying next to me.", VerdictEscalate, ""},
		{"means at hand fr", "Le fusil était au grenier. Je l'ai sorti, il est posé à côté de moi.", VerdictEscalate, ""},
		{"not wake fr", "Je n'ai plus goût à rien, même plus envie de me réveiller.", VerdictEscalate, ""},
		// Ordinary mail these families must leave alone.
		{"medication question", "Should I take my pills tonight or tomorrow morning?", VerdictHold, ""},
		{"not his fault", "It's not his fault the train was late.", VerdictHold, ""},
		{"waiting for him", "I'm waiting for him to finish work so we can talk about the holiday.", VerdictHold, ""},
		{"bought meds", "J'ai acheté mes médicaments à la pharmacie ce soir.", VerdictHold, ""},
	}
	runCases(t, cases)
}

// TestSafetyNet checks the means-plus-time net: weak alone, a warning with any second signal, and silent when
// negated or in the past.
func TestSafetyNet(t *testing.T) {
	cases := []ruleCase{
		{"alone is weak", "I will have the pills with me tonight.", VerdictHold, "weak-alone"},
		{"with a second signal", "The pills are ready for tonight. Thank you for everything.", VerdictEscalate, ""},
		{"fr with a second signal", "Les cachets sont prêts pour ce soir. Merci pour tout.", VerdictEscalate, ""},
		{"negated", "No rope, no pills ready, nothing like that. Thank you for everything.", VerdictHold, ""},
	}
	runCases(t, cases)
}

// runCases classifies each text as a message body (or, written "Subject: ...",
// as the subject of a bland message) and checks the verdict and, when given,
// the reason of a suppression.
// ruleCase is one message text for the rules alone: the verdict it must get and, when set, a suppression
// reason that must be among the ones reported.
type ruleCase struct {
	name, text string
	want       Verdict
	reason     Reason
}

func runCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	c := newRulesClassifier(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Classify(msg("hello", tc.text))
			if subject, ok := strings.CutPrefix(tc.text, "Subject: "); ok {
				r = c.Classify(msg(subject, "Could you recommend a couple of papers?"))
			}
			if r.Verdict != tc.want {
				t.Fatalf("%q: got %s, want %s\n  matches %s\n  suppressed %s", tc.text, r.Verdict, tc.want, describeMatches(r.Matches), describeSuppressed(r.Suppressed))
			}
			if tc.reason == "" {
				return
			}
			for _, s := range r.Suppressed {
				if s.Reason == tc.reason {
					return
				}
			}
			t.Errorf("%q: want a suppression %q, got %s", tc.text, tc.reason, describeSuppressed(r.Suppressed))
		})
	}
}

// TestReviewIdioms keeps ordinary uses of the new violence verbs quiet.
func TestReviewIdioms(t *testing.T) {
	runCases(t, []ruleCase{
		{"record fr", "Mon frère a encore battu son record au semi-marathon.", VerdictHold, ""},
		{"typed fr", "Ma mère a tapé la lettre pour la mairie.", VerdictHold, ""},
		// Noise and building work "will kill us": a complaint; a person who will is a threat.
		{"works kill us fr", "Les travaux de l'ascenseur reprennent lundi, ce bruit va nous tuer.", VerdictHold, "idiom"},
		{"drilling kill us en", "Next door are renovating again and this drilling is going to kill us.", VerdictHold, "idiom"},
		// A person between the complaint and the verb is a threat.
		{"he will kill us after a move en", "If I move out he is going to kill us.", VerdictEscalate, ""},
		{"he will kill us after a move fr", "Depuis le déménagement, il répète qu'il va nous tuer.", VerdictEscalate, ""},
	})
}

// TestGoodbyeAtAnEnding: "this is goodbye", "my last email", "mes adieux" are how a move or a planned ending is
// written too; an ending in the message explains them, and without one they still page.
func TestGoodbyeAtAnEnding(t *testing.T) {
	runCases(t, []ruleCase{
		{"goodbye at a new job en", "I start the new job in Leeds on Monday, so this is goodbye and thank you.", VerdictHold, "ending"},
		{"last email before a move en", "We are moving to Lisbon next week. This is my last email before we go.", VerdictHold, "ending"},
		{"adieux before the plane fr", "Je vous écris de l'aéroport pour vous faire mes adieux, j'embarque dans une heure.", VerdictHold, "ending"},
		{"goodbye alone en", "I have made up my mind. This is goodbye.", VerdictEscalate, ""},
		// Locked in with the person outside pages; locked in alone to cry does not, on the rules alone.
		{"locked in, he is outside en", "I've locked myself in the bathroom, he is shouting outside.", VerdictEscalate, ""},
		{"locked in to cry en", "Some evenings I locked myself in the bathroom and cried for an hour.", VerdictHold, ""},
		// A negated ending is none: "I won't see you on Monday" is no planned goodbye.
		{"negated ending en", "I won't see you on Monday. This is goodbye. Thank you for everything.", VerdictEscalate, ""},
		{"negated ending fr", "Je ne viendrai pas à la prochaine séance. C'est mon dernier mail. Je vous dis adieu.", VerdictEscalate, ""},
		{"last word stays critical fr", "Nous déménageons en mars. Voici mon dernier mot.", VerdictEscalate, ""},
		{"last email alone fr", "C'est mon dernier mail. Merci d'avoir essayé.", VerdictEscalate, ""},
		{"last goodbye stays critical en", "We are moving next week. This is my final goodbye, I can't do this.", VerdictEscalate, ""},
	})
}
