// Package classify routes a message's sender (allowed, patient, other) and weighs the evidence that it is an
// emergency, in English and French. The data goes one way, one stage per file:
//
//	mail -> text       package mailtext (MIME, charsets, HTML, quoted history, signatures); mail.go re-exports it
//	text -> tokens     tokenize.go, normalize.go (folding, contractions, elisions, SMS spellings, squeezed letters)
//	tokens -> concepts concepts.go with lexicon.go and lexicon/<lang>.yaml (named concept lexicons)
//	context            context.go with context/<lang>.yaml (negation, past, resolved, topic, idiom, ending,
//	                   hypothetical; scoped to the words they govern; never cancelling present-tense severity)
//	phrase rules       rules.go with rules/<lang>.yaml (the explicit crisis phrases, and the user's own rules)
//	concepts -> frames frames.go with lexicon/frames.yaml (concepts that must co-occur, in a scope)
//	verdict            verdict.go (the rules' level: page, concern or none)
//	learned            learned.go with package textmodel (a logistic model over the writer's new words, their
//	                   pairs and character pieces, embedded as textmodel/model.bin.gz), combined with the rules'
//	                   level into the level and the verdict (escalate, hold or pass)
//
// pipeline.go runs them in that order. A Classifier is built once by New from Options (compiling every rule
// and lexicon, reading the model) and is safe for concurrent use. The model is retrained, after any change to
// the labelled sets in testdata or to the features, with `go run ./tools/trainmodel` (add -loso for the
// leave-one-set-out figures); TestBuiltinModelIsCurrent fails when it is stale.
package classify
