package targets

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// maxListErrors is how many bad tokens ReadList reports before giving up:
// enough to fix a file in one go, not a screenful for a binary file.
const maxListErrors = 10

// maxLineLen bounds one line of a target list.
const maxLineLen = 1 << 20

// ReadList reads a target list: one or more tokens per line separated by
// white space or commas, # comments (whole-line or trailing) and blank
// lines. name is how errors and each Token's Where refer to the list
// ("targets.txt", or "stdin" when the caller passes os.Stdin for "-").
// Every token is checked; the error joins up to 10 *TokenErrors, each naming
// name:line and the token.
func ReadList(r io.Reader, name string) ([]Token, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLineLen)
	var (
		toks []Token
		errs []error
		line int
		ivs  int // intervals of the tokens so far (Build's bound, applied early)
	)
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			text = strings.TrimPrefix(text, "\uFEFF")
		}
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		where := fmt.Sprintf("%s:%d", name, line)
		for _, f := range strings.FieldsFunc(text, isSeparator) {
			t, err := parseToken(f)
			if err != nil {
				errs = append(errs, &TokenError{Where: where, Token: f, Err: err})
				if len(errs) == maxListErrors {
					errs = append(errs, fmt.Errorf("%s: too many bad targets, stopped reading", name))
					return nil, errors.Join(errs...)
				}
				continue
			}
			// Stop at the bound Build would refuse anyway, before a
			// million-line list is held in memory.
			if ivs += len(t.ivs); ivs > MaxIntervals {
				return nil, &TooManyError{What: "targets", Where: where, Count: ivs}
			}
			toks = append(toks, Token{Text: f, Where: where})
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("line longer than %d bytes", maxLineLen)
		}
		errs = append(errs, fmt.Errorf("%s:%d: %w", name, line+1, err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return toks, nil
}

func isSeparator(r rune) bool { return r == ',' || unicode.IsSpace(r) }
