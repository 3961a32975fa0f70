package classify

import "testing"

// These messages were written for this test, in the shapes issue 11 describes (and the dev sets do not
// contain): emergencies made of ordinary words, and ordinary mail made of crisis words. They guard the
// evidence model against regressions; they are not a measure of it (the blind sets are).

// TestUnseenEmergencyShapes: a means with a time or a decision, buried in admin mail; settled affairs and
// farewells; a child at risk; psychosis with a plan; self-harm in progress without "myself"; SMS French.
func TestUnseenEmergencyShapes(t *testing.T) {
	c := newRulesClassifier(t)
	for _, text := range []string{
		"Subject line aside, I just wanted to say thanks. I've been collecting my sleeping pills for a month and Saturday is the day.",
		"Hi, attached is the insurance form you asked for. Also I have the rope in the boot of my car and I know which tree. Best, Tom",
		"I'm sitting in the car in the garage with the engine running. I'm sorry.",
		"Please cancel all my future appointments. I've written letters for my daughters and sorted the paperwork. Thank you for everything.",
		"My wife took the kids and all her pills and drove off, she left a note saying sorry. She isn't answering her phone.",
		"The voices say my son is evil and I have to cleanse him tonight.",
		"I've cut my arm and it's pouring, I can't make it stop.",
		"I'm on the bridge. It's very quiet up here. I'm not scared anymore.",
		"Tomorrow at 8 I'll be waiting outside his office with my dad's shotgun.",
		"j'ai tt préparé, les lettres sont écrites, ce soir je prends les cachets que j'ai mis de côté",
		"Je suis sur le toit de l'immeuble, je regarde en bas depuis une heure.",
		"Mon mari a pris son fusil et il dit qu'il va tuer les enfants et lui ensuite. Je suis enfermée dans la salle de bain.",
		"jme suis coupée ça saigne bcp ça s'arrête pas",
		"Les voix me disent que ma fille est possédée et que je dois la purifier ce soir.",
		"Je vous remercie pour tout. J'ai donné mon chat à ma voisine et réglé mes dernières factures. Je ne viendrai plus.",

		"I know you're away. I've got forty of my mum's tablets in my room and I'm going to take them when she's asleep.",
		"Thanks for the reminder about Tuesday. I won't be there. I've put the insurance papers on the kitchen table for Sam and said my goodbyes to the dogs.",
		"He's drunk and he's got the bread knife, he says he'll finish all of us. We're in the bedroom with the door locked.",
		"Sorry to bother you on a Sunday. I keep staring at the railway line behind the house. The 11.40 doesn't stop here. I've made my choice.",
		"my husband is asleep and i have his insulin pens. i've read how much it takes.",
		"I cut deeper than ever tonight and there's blood on the floor, I feel faint.",
		"Can't stop. Third time tonight with the razor. The towel's soaked.",
		"My daughter (16) sent me a text saying she's sorry and goodbye and now her phone is off. She has been seeing you.",
		"God told me the baby isn't really mine, that she's a demon, and that I have to do it before morning.",
		"Bonjour, je ne viendrai pas jeudi ni après. J'ai écrit à mes parents, mon chat est chez ma voisine. Merci pour votre patience.",
		"Mon frère s'est enfermé dans le garage avec la voiture qui tourne, il ne répond pas.",
		"G acheté de l'antigel, je vais le boire ce soir quand il sera parti.",
		"Je suis au bord de la falaise à Étretat. C'est décidé.",
		"Il m'a serré le cou tout à l'heure et il a dit que la prochaine fois il me tuerait. Il revient ce soir.",
		"jpp jvais avaler toute la boite de xanax ce soir personne le saura",
	} {
		if r := c.Classify(msg("hello", text)); r.Level != LevelPage {
			t.Errorf("%q: level %s, want page\n  frames: %s", text, r.Level, describeFrames(r.Frames))
		}
	}
}

// TestOrdinaryMailShapes: a new job and thanks, a funeral letter, gear for a trip, calm about treatment, a
// quiet weekend, homework quoting old thoughts, a recovery anniversary, forwarded awareness material, food
// idioms, sports purchases, a new therapist: none of it pages.
func TestOrdinaryMailShapes(t *testing.T) {
	c := newRulesClassifier(t)
	for _, text := range []string{
		"I've decided to take the job in Leeds. Thank you for everything, you helped me so much. I'll cancel my remaining sessions once I move.",
		"My grandmother died last week. The funeral is on Friday, so I need to cancel. I wrote a letter to read at the service.",
		"We're going hiking on Saturday, I bought a rope and a new knife for the trip.",
		"I feel calm and at peace for the first time in months. I've decided to keep going with the medication.",
		"The kids are at their dad's this weekend so I'll be alone, finally time to clean the flat and sort my papers.",
		"Can you send me the invoice? I've paid the last bill. See you Tuesday.",
		"My son has a fever, I gave him paracetamol tonight. Can we move tomorrow's session?",
		"I'm going to kill it at the interview tomorrow, wish me luck!",
		"Mon fils a de la fièvre, je lui ai donné du doliprane ce soir. On peut décaler demain ?",
		"J'ai décidé d'accepter le poste à Lyon. Merci pour tout, j'annulerai les séances restantes après le déménagement.",
		"Ma grand-mère est décédée, l'enterrement est vendredi. J'ai écrit une lettre pour la cérémonie.",
		"On part en randonnée samedi, j'ai acheté une corde et un couteau pour le camping.",
		"Je me sens calme et apaisée, j'ai décidé de continuer le traitement.",
		"Les enfants sont chez leur père ce week-end, je serai seule, enfin le temps de ranger mes papiers.",
		"I left my phone and keys at home this morning, so annoying! Running late for our session.",
		"My cat is going to my sister's while I'm on holiday next week.",
		"I've saved up for a new bike. Tonight I'm going to the shop.",
		"We watched a documentary about the bridge collapse, it was so sad. See you Thursday.",
		"Our last session was really helpful. I wrote the letter to my younger self.",
		"I've been on my own with the baby all week and I'm exhausted, can we talk on Tuesday?",

		"Here is my thought record for the week. Situation: fight with Dad. Automatic thought: 'I want to die'. Evidence against: I called a friend and felt better an hour later.",
		"For the homework you asked me to write down the thoughts I had back in March, like 'everyone would be better off without me'. Reading them now they seem far away.",
		"Voici mon tableau de pensées. Pensée automatique : « je veux mourir ». Pensée alternative : c'était une mauvaise journée.",
		"Today is three years since my overdose. I'm celebrating with my sister, I never thought I'd make it this far.",
		"Cela fait deux ans aujourd'hui depuis ma tentative de suicide, je fête ça avec mes amis.",
		"---------- Forwarded message ---------\nFrom: Mind newsletter\nIf you are having thoughts of suicide, call 116 123. Warning signs include giving away possessions and saying goodbye.",
		"Fwd: campagne 3114. Si vous pensez au suicide, appelez le 3114. Les signes : donner ses affaires, dire adieu.",
		"This new burger place is killer, I'd die for their fries. See you next week!",
		"Je suis morte de rire devant ce film, une tuerie ce gâteau au chocolat.",
		"I bought a hunting rifle and a new scope for the season opening on Saturday with my dad.",
		"J'ai acheté une carabine pour l'ouverture de la chasse samedi avec mon père.",
		"I got a new climbing rope and harness for the bouldering trip to Fontainebleau next weekend.",
		"My mum keeps her pills in the kitchen drawer, should I be worried she takes too many? She's 82.",
		"The film last night had a character who jumped off a bridge, it stayed with me a bit. Nothing to worry about.",
		"I wanted to let you know I won't need Tuesday's slot anymore, I've found a therapist closer to home. Thank you for everything.",

		"I took the tablets you prescribed this morning and felt a bit dizzy, is that normal? See you Tuesday.",
		"We finally sorted my dad's affairs after the funeral, the will is with the solicitor. Exhausting month.",
		"My son's school trip is to the cliffs at Dover tomorrow, I'm a bit anxious about it, can we talk about that?",
		"I've decided to quit smoking for good. Wish me luck, see you next week.",
		"Thanks for everything this year. Merry Christmas and see you in January!",
		"I keep my gun at the shooting club, the licence renewal is due next month, can you sign the form?",
		"Ma fille a eu un accident de vélo, elle saigne un peu du genou mais ça va, on peut décaler à 17h ?",
		"J'ai rangé tout l'appartement ce week-end, ça m'a fait du bien, je me sens plus légère.",
		"Je vous remercie pour tout, la thérapie m'a beaucoup aidée. Je pars vivre à Bordeaux en septembre.",
		"Les enfants partent en colonie demain, je serai seule toute la semaine, enfin du repos !",
		"J'ai lu un article sur la prévention du suicide chez les ados, très intéressant, on pourra en parler ?",
		"Mon chef m'a dit qu'il allait me tuer si je ratais encore la réunion, haha. Bref, mardi 18h ça marche.",
		"I cut my hand badly chopping onions last night, had to get stitches. Typing one-handed, sorry for typos.",
		"The bridge on my way to you is closed tomorrow, so I might be late.",
		"I've finally written the letter to my ex that we talked about, I won't send it though.",
	} {
		if r := c.Classify(msg("hello", text)); r.Level == LevelPage {
			t.Errorf("%q pages: %s | %s", text, describeMatches(r.Matches), describeFrames(r.Frames))
		}
	}
}
