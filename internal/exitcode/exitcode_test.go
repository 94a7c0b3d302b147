package exitcode

import (
	"errors"
	"fmt"
	"testing"
)

func TestOf(t *testing.T) {
	base := errors.New("boom")
	cases := []struct {
		name string
		err  error
		def  int
		want int
	}{
		{"nil is OK", nil, Usage, OK},
		{"uncoded takes the default", base, Usage, Usage},
		{"usage", Usagef("--rate %v", 0), Error, Usage},
		{"runtime", Runtime(base), Usage, Error},
		{"runtime keeps a code", Runtime(Usagef("x")), Error, Usage},
		{"wrapped code", fmt.Errorf("outer: %w", With(Interrupted, base)), Error, Interrupted},
	}
	for _, tc := range cases {
		if got := Of(tc.err, tc.def); got != tc.want {
			t.Errorf("%s: Of = %d, want %d", tc.name, got, tc.want)
		}
	}
	if Runtime(nil) != nil || With(Findings, nil) != nil {
		t.Error("nil must stay nil")
	}
	if !errors.Is(Runtime(base), base) {
		t.Error("Runtime must wrap the error")
	}
	if got := Usagef("--rate %d", 5).Error(); got != "--rate 5" {
		t.Errorf("message %q", got)
	}
	if !Quiet(Findings) || !Quiet(Interrupted) || Quiet(Error) || Quiet(Usage) {
		t.Error("Quiet: only OK, Findings and Interrupted are quiet")
	}
}
