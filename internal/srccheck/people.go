package srccheck

import "regexp"

// A peopleRule is a way a comment can speak of who wrote the code, when,
// or which tracker entry asked for it, rather than of the code itself. The
// rules name phrases, not single words: "helper" (a function), "session"
// (a debugging session) and "issue" (to send a command) stay legitimate.
// TestPeopleFinding lists what each rule catches and lets through.
type peopleRule struct {
	re   *regexp.Regexp
	what string
	// not, when set, is removed from the line before re is tried: the
	// legitimate phrases that hold re's word.
	not *regexp.Regexp
}

var peopleRules = []peopleRule{
	{regexp.MustCompile(`(?i)\bengineer(?:s|'s|s')?\b`), "speaks of engineers",
		regexp.MustCompile(`(?i)\b(?:reverse|over)[- ]?engineer`)},
	{regexp.MustCompile(`(?i)\bhelper(?:s|'s)?\s+(?:session|engineer|agent)s?\b`), "speaks of helpers (people)", nil},
	{regexp.MustCompile(`(?i)\b(?:by|from|for|asked|told|ask)\s+(?:the|a|another|each|every|one)\s+(?:other\s+)?helpers?\b`), "speaks of helpers (people)", nil},
	{regexp.MustCompile(`(?i)\bhelpers?\s+(?:wrote|added|landed|found|fixed|did|said|asked|reported|noticed|owns|own)\b`), "speaks of helpers (people)", nil},
	{regexp.MustCompile(`(?i)\bthe\s+lead(?:'s)?\s+(?:asked|said|says|wants|wanted|decided|merged|noted|will|integrat\w*)\b`), "speaks of the lead", nil},
	{regexp.MustCompile(`(?i)\b(?:previous|last|next|earlier|later|prior|future|other|another)\s+(?:work\s+|coding\s+)?sessions?\b`), "speaks of work sessions", nil},
	{regexp.MustCompile(`(?i)\b(?:work|coding|helper|lead|agent)\s+sessions?\b`), "speaks of work sessions", nil},
	{regexp.MustCompile(`(?i)\bsessions?\s+(?:note|notes|\d+)\b`), "speaks of work sessions", nil},
	// A number that ends the phrase: the verb followed by a count of
	// instructions is not one.
	{regexp.MustCompile(`(?i)\bissues?\s*(?:no\.?\s*|number\s*)?#?\d+(?:\s*(?:[,.;:)\]]|$)|\s+(?:and|or|item|items|gap|gaps|note|says|asks|wants)\b)`), "cites an issue number", nil},
	{regexp.MustCompile(`(?i)\bissue\s*#\d+|\b(?:of|from|in|see|per|by|for)\s+issues?\s+\d+`), "cites an issue number", nil},
	{regexp.MustCompile(`(?i)\b(?:see|fixes|fixed|closes|closed|per|in|for)\s+#\d+\b|\(#\d+\)`), "cites an issue number", nil},
	{regexp.MustCompile(`(?i)\bgh-\d+\b`), "cites an issue number", nil},
	{regexp.MustCompile(`(?i)\bthe\s+issue(?:'s)?\s+(?:asks|asked|says|said|wants|requires|required|lists|names|item)\b`), "speaks of the issue", nil},
}

// peopleFinding returns what a line of comment text does wrong, or "".
func peopleFinding(line string) string {
	for _, r := range peopleRules {
		l := line
		if r.not != nil {
			l = r.not.ReplaceAllString(l, "")
		}
		if r.re.MatchString(l) {
			return r.what
		}
	}
	return ""
}
