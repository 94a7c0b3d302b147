package termsafe

import (
	"fmt"

	"github.com/rs/zerolog"
)

// Console returns w with its message and field values shown through Text's
// rules, for the console writer camsweep uses when standard error is a
// terminal. zerolog's console writer prints the message as it is and a
// field value as it is unless it needs quoting (then through
// strconv.Quote, which escapes controls but lets some invisible letters
// through), and a log line may carry a device's words: an error quoting a
// reply, a WS-Discovery RelatesTo, an mDNS name. Field values keep their
// backslashes, which zerolog's quoting put there; the message, a plain
// string, gets Text in full. Messages and error values lose their bold and
// red: the colours are zerolog's own escapes around text this cannot
// vouch for, and the level keeps its colour.
func Console(w zerolog.ConsoleWriter) zerolog.ConsoleWriter {
	w.FormatMessage = func(i any) string {
		if i == nil {
			return ""
		}
		return Text(fmt.Sprint(i))
	}
	value := func(i any) string { return escape(fmt.Sprint(i), false) }
	w.FormatFieldValue = value
	w.FormatErrFieldValue = value
	w.FormatFieldName = func(i any) string { return Text(fmt.Sprint(i)) + "=" }
	w.FormatErrFieldName = w.FormatFieldName
	return w
}
