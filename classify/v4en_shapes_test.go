package classify

import "testing"

// TestV4EnglishShapes: wording of the English classes revision v4 generalised, none of it from a labelled set, with
// the traps each one must not page on. Emergencies: an overdose written about with the emergency number refused, a
// loved child believed replaced, self-immolation with fuel bought, a burn with the skin gone leathery, "done my
// wrists" in the bath, a stash pointed to with a time, weapons stowed in a car for a target with a time, children
// not to be left behind with a means and a day. Traps: a trip or a move announced with "by the time you read
// this" (the move in the other field), a will made for a new baby, a friend's ideation months ago now in care,
// anger told as a near miss, a forwarded list of warning signs, and a farewell whose thanks an English word
// spelt like a French one must not cancel. The second half of each list: the same classes written again in other
// words (gas unlit and the door sealed, a cord on a door and a bed stood on, a weapon taken to someone's work, a
// flatmate who will not wake among empty packets...) and traps built on the same words (the express that makes
// one late, the commute that "kills", a will, thanks and a goodbye with a move, "you did your best" at Christmas).
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
		{"", "I'm sat in the car at the top of the quarry road. Nobody comes up here after dark. Thanks for putting up with me."},
		{"", "turned the gas on in the kitchen and didnt light it. towels under the door. sorry"},
		{"", "the van's in the lock-up with the engine running and I'm in it"},
		{"", "got the dressing gown cord round the top of the wardrobe door. standing on the bed. bye"},
		{"", "the express doesn't stop at our station, it comes through at 9:15. I'll be on the platform."},
		{"", "I walked out to the end of the harbour wall. The tide's in and it's freezing. Not coming back."},
		{"", "Dad left the house with his shotgun an hour ago and said to tell mum sorry. He's not answering."},
		{"", "My flatmate is on the bathroom floor and won't wake up, there are empty packets of sertraline everywhere"},
		{"", "I swallowed a load of my mum's tramadol about twenty minutes ago and I feel really drowsy"},
		{"", "cut myself with a razor blade, it's really deep and the bleeding won't stop, I'm scared"},
		{"", "smashed a bottle and used it on my leg, it won't stop bleeding and it's all over the bathroom"},
		{"", "I've put every pill I own in a bowl. When the kids are at their dad's on Saturday I'm taking the lot."},
		{"", "my husband keeps saying our son is possessed and tonight he's going to drive the devil out of him in the bath"},
		{"", "I've left the dog with my sister and written to everyone. The car's full of fuel and I'm heading to the cliffs tomorrow morning."},
		{"", "He says if I leave him he'll kill me and the kids. He's got a knife and he's outside the door now."},
		{"", "Going to Ben's work tomorrow with my brother's crossbow. He won't humiliate me again."},
		{"", "ive been saving my insulin pens for weeks. tonight i'm doing all of them at once"},
		{"", "you did everything you could. please don't blame yourself for what happens tonight"},
		{"", "By the time you read this I'll be gone. The house keys are with next door."},
		{"", "I'm on the roof of the multistorey. It's really high. I'm sorry."},
		{"", "got 3 boxes of paracetamol from different shops today. takin them after work"},
		{"", "im on the bridge over the river, its so high up here. sorry for everything x"},
		{"", "he's locked himself in the garage and the car is running, i can hear it"},
		{"", "My mum rang me saying goodbye and now her phone is off. She has her sleeping tablets with her."},
		{"", "Sorry to bother you. My son (your patient) says the neighbours are demons and he has a knife. He's gone out."},
		{"", "i keep hearing that i need to punish myself and tonight i'm going to listen"},
		{"", "The voices say my baby is evil and I have to drown her. I'm scared I'll do it."},
		{"", "theres blood everywhere i cut too deep. cant stop it"},
		{"", "I've hidden my meds for 2 months, it's enough now. Saturday when Tom is away."},
		{"", "please call me i have a rope and i am in the woods"},
		{"", "My partner just texted \"goodbye, I love you\" and isn't picking up, his gun is missing from the safe"},
		{"", "I've ordered helium online, it comes Friday. Nobody will be home."},
		{"", "i took 30 of my mums diazepam. feeling sleepy now"},
		{"", "wrote my goodbye letters last night. i'm going to the railway this evening."},
		{"", "I've stopped eating and drinking for 4 days, I'm going to keep going until it's over."},
		{"tonight", "pills, the lot"},
		{"", "i dont want to be here anymore. ive got the pills out on the bed"},
		{"", "nobody would even notice if i was gone. the rope is in the boot of my car"},
		{"", "I'm writing from the hospital car park. I've got my insulin and I'm going to use all of it."},
		{"", "hes punching the door and screaming hes going to kill me, me and the kids are locked in the bathroom"},
		{"", "I'm sorry. I couldn't wait. I took everything in the cupboard."},
		{"", "I know she finishes her shift at 10 on Fridays and the hammer is already in my gym bag."},
		{"", "My wife left a note saying sorry and took the car, her antidepressants are gone. Police are looking."},
		{"", "My daughter says the TV is telling her to hurt her baby, she's alone with him now."},
		{"", "my friend just sent me a pic of a noose and said tonight. I can't get hold of her"},
		{"", "ive taken loads of my pills with vodka. i feel weird. dont tell anyone"},
		{"", "wana die. got mums tablets. she's at work till 6"},
		{"", "im going to jump off the car park roof at 8 tonight"},
		{"", "he's got the kids in the car and says he'll drive into the canal"},
		{"", "I can hear the voices telling me to set fire to the flat, I've got the lighter fluid"},
		{"", "The bleeding won't stop and I feel faint. I did it with a kitchen knife."},
		{"", "My dad texted that he's at the cliffs and it's time. His phone is off now."},
	}
	be := []struct{ subject, body string }{
		{"By the time you read this", "...we'll be in the air on the way to Lisbon! Sorry to miss two sessions."},
		{"Moving day", "By the time you read this we will have moved. Can I cancel next week?"},
		{"", "We finally made a will with the solicitor now the twins are here, and sorted the life insurance."},
		{"", "A friend told me last month she had thought about killing herself; she sees a counsellor now and is doing better. How do I support her?"},
		{"", "my brother went on about money again and honestly I could have strangled him with the tea towel, but I walked away. progress!"},
		{"Fwd: useful", "Worth a read.\n\nSigns someone may be struggling: talking about being a burden. Giving away belongings. Saying goodbye. Researching methods.\n\nIf you are worried about someone, call a helpline."},
		{"", "These months with you have been a gift. Thank you for everything, I'm moving to Leeds for the new job in January."},
		{"", "I'm sat in the car at the top of the hill watching the sunset, feeling much calmer after our session."},
		{"", "turned the gas off at the mains before the engineer came to fix the boiler, what a day"},
		{"", "the express doesn't stop at our station so I'll be late on Thursday, sorry!"},
		{"", "My mum's tramadol prescription ran out so I'm collecting it for her tomorrow."},
		{"", "Thanks for everything this year, you did your best with a stubborn client! Have a lovely Christmas, see you in January."},
		{"", "We went to the cliffs on holiday and walked to the edge to see the puffins. Gorgeous."},
		{"", "My son got his first rifle licence for the shooting club, he is so proud, shooting season starts Saturday."},
		{"", "The commute is literally killing me, two hours each way. Can we move to video?"},
		{"", "Finished my will with the solicitor and I feel like an adult at last, lol."},
		{"", "I'm moving to Glasgow next month so this will be our last session. Thank you for everything, goodbye!"},
		{"", "I wrote the letter to my younger self like you suggested, it made me cry but in a good way."},
		{"", "Hiking up Snowdon at the weekend, hoping the ridge isn't too windy. See you Tuesday!"},
		{"", "Bought a new kitchen knife set today, finally cooking properly again."},
		{"", "My daughter's school did an assembly on suicide prevention and she asked me questions, how should I answer?"},
		{"", "Five years since my overdose today. I'm doing well and wanted to share that."},
		{"", "Our dog died last week and I miss him, the house feels empty. Can we talk Thursday?"},
		{"", "I'm exhausted, work is a nightmare, I could sleep for a week. See you Monday."},
		{"", "Reminder: my gym membership lapses, so I cancelled the direct debit. Also can I pay the invoice by card?"},
		{"", "Fwd: If you're struggling, text SHOUT to 85258. Thought this was useful for the group."},
		{"", "I had a dream last night that I jumped off a bridge and woke up terrified. Is that normal?"},
		{"", "My brother had a bad crash on his bike last night and he's in hospital with stitches, but he'll be ok."},
		{"", "We're taking the kids to the lake this weekend, nobody around, perfect for a swim."},
		{"", "I'm dying to see the new Bond film, it's meant to be killer."},
		{"", "Work is a war zone, my manager will murder me if I miss another deadline haha"},
		{"", "We had a fire drill at work today and I froze, it reminded me of the panic attacks."},
		{"", "I bought rope and a harness for the climbing wall, starting lessons next week!"},
		{"", "The vet gave us tablets for the cat, she hates taking them, it's a battle every night."},
		{"", "Thank you for all your help these last two years. I feel ready to finish our sessions at the end of the month."},
		{"", "I'm in the car outside the clinic, running ten minutes late, sorry!"},
		{"", "My grandad passed away peacefully last night, the funeral is next Friday so I'll miss our session."},
		{"", "My homework: list of thoughts from last week - 'I'm a burden', 'nobody would miss me'. I challenged both."},
		{"", "Can we talk about my son? He's been self-harming in the past but he's seeing CAMHS and doing better now."},
		{"", "I used to cut when I was 15. I haven't for ten years and I'm proud of that."},
		{"", "I left my keys and wallet on the table at the cafe, what an idiot, got them back though."},
		{"", "I gave away loads of clothes to charity today, decluttering before the move."},
		{"", "My partner and I are going to the coast this weekend, just the two of us, finally some peace."},
		{"", "Reading a novel where the character jumps from a bridge, it hit close to home but I'm ok."},
		{"", "I wrote a letter to my late dad as part of grief work, and left it at his grave. It helped."},
		{"", "The kids are at their dad's this weekend so I'll have the house to myself, planning a bath and a film."},
		{"", "I took two paracetamol for my headache and went to bed early."},
		{"", "Sorry for the late reply, my phone died and I've been away. Back now, see you Thursday."},
		{"", "Our neighbour's son was arrested for threatening someone with a knife, it's been all over the street."},
		{"", "My friend tried to take her own life years ago; she's now a nurse. Her story inspires me."},
		{"", "I'm writing a short story for my class about a man on a bridge who changes his mind."},
		{"", "Just finished Breaking Bad, the ending killed me. Anyway, see you Wednesday!"},
		{"", "Had my flu jab and my arm is killing me lol"},
		{"", "I'm off to the range with my dad this weekend to shoot clays, first time!"},
		{"", "Please can you send the letter for my GP about the new medication? I have the pills now and start tomorrow."},
		{"", "My cat knocked a glass off the table and I cut my finger picking it up, bled a bit but fine."},
		{"", "Our kitchen is finally finished. I'm sitting on the floor with a cup of tea enjoying the quiet."},
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
