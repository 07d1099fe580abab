package images

import (
	"strings"
	"testing"
)

// Every embedded image has a one-line description that fits a terminal
// line next to its name.
func TestEveryImageDescribed(t *testing.T) {
	for _, img := range List() {
		d := Describe(img)
		if d == "" {
			t.Errorf("%s %s has no description: add one to images/describe.go or a leading comment to its source", img.Kind, img.Name)
		}
		if strings.ContainsAny(d, "\n\r") || len(d) > 70 {
			t.Errorf("%s: description is not one line of at most 70 characters: %q", img.Name, d)
		}
	}
}

func TestFirstSentence(t *testing.T) {
	src := "/* attack_x (A99): does one thing through\n * two lines. Then more. */\n#include"
	if got := firstSentence(src, "attack_x"); got != "does one thing through two lines" {
		t.Errorf("got %q", got)
	}
	if got := firstSentence("int x;", "x"); got != "" {
		t.Errorf("no comment: got %q", got)
	}
}
