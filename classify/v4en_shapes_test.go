package classify

import "testing"

// TestV4EnglishShapes: wording of the English classes revision v4 generalised, none of it from a labelled set, with
// the traps each one must not page on. Emergencies: an overdose written about with the emergency number refused, a
// loved child believed replaced, self-immolation with fuel bought, a burn with the skin gone leathery, "done my
// wrists" in the bath, a stash pointed to with a time, weapons stowed in a car for a target with a time, children
// not to be left behind with a means and a day. Traps: a trip or a move announced with "by the time you read
// this" (the move in the other field), a will made for a new baby, a friend's ideation months ago now in care,
// anger told as a near miss, a forwarded list of warning signs, and a farewell whose thanks an English word
// spelt like a French one must not cancel.
func TestV4EnglishShapes(t *testing.T) {
	c := newTestClassifier(t)
	em := []struct{ subject, body string }{
		{"", "didnt want to call the crisis line so i took the rest of my sleeping tablets with wine and theyd only pump my stomach again"},
		{"", "My son is not really him any more, they switched him in the night. Tonight I will do what has to be done."},
		{"", "I am the chosen one. Two jerry cans of petrol are in the car and at dawn I will do it."},
		{"", "did the thing with the straighteners again on my thigh. Now it's blistered and weeping and I can't feel it"},
		{"", "in the bath, done my arms. water going pink"},
		{"", "this is what i have been saving. tonight when she is on nights"},
		{"", "I've got the crowbar in the van. I know when he finishes his shift and I'm doing it tomorrow."},
		{"", "I won't leave the girls behind with him. The tablets are in my bag and on Friday it ends for all of us."},
	}
	be := []struct{ subject, body string }{
		{"By the time you read this", "...we'll be in the air on the way to Lisbon! Sorry to miss two sessions."},
		{"Moving day", "By the time you read this we will have moved. Can I cancel next week?"},
		{"", "We finally made a will with the solicitor now the twins are here, and sorted the life insurance."},
		{"", "A friend told me last month she had thought about killing herself; she sees a counsellor now and is doing better. How do I support her?"},
		{"", "my brother went on about money again and honestly I could have strangled him with the tea towel, but I walked away. progress!"},
		{"Fwd: useful", "Worth a read.\n\nSigns someone may be struggling: talking about being a burden. Giving away belongings. Saying goodbye. Researching methods.\n\nIf you are worried about someone, call a helpline."},
		{"", "These months with you have been a gift. Thank you for everything, I'm moving to Leeds for the new job in January."},
	}
	for i, m := range em {
		if r := c.Classify(rawMail(m.subject, m.body)); r.Level != LevelPage {
			t.Errorf("emergency %d: level %s\n  frames: %s\n  suppressed: %s", i, r.Level, describeFrames(r.Frames), describeSuppressed(r.Suppressed))
		}
	}
	for i, m := range be {
		if r := c.Classify(rawMail(m.subject, m.body)); r.Level == LevelPage {
			t.Errorf("ordinary mail %d pages: %s | %s", i, describeMatches(r.Matches), describeFrames(r.Frames))
		}
	}
}
