package classify

import "testing"

func TestFunctionWord(t *testing.T) {
	for w, want := range map[string]uint8{"the": langEN, "i": langEN, "with": langEN, "suis": langFR, "elle": langFR,
		"qui": langFR, "son": 0, "soon": 0, "": 0, "theory": 0, "avecc": 0} {
		if got := functionWord(w); got != want {
			t.Errorf("functionWord(%q) = %d, want %d", w, got, want)
		}
	}
}
