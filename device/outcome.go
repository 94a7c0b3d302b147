package device

// Status is the kind of a probe's outcome, for machines: a stable word a
// report or a store can count and compare across runs, where the human
// message (Record.Errors) may change its wording. Modelled on zgrab2's
// ScanStatus.
type Status string

// The statuses a probe ends with. Only failures reach a record: an
// answer becomes evidence, and silence (a filtered port) is no outcome at
// all, as it always was.
const (
	StatusOpen             Status = "open"              // the port answered in the prober's protocol
	StatusRefused          Status = "refused"           // the connection was refused (RST)
	StatusTimeout          Status = "timeout"           // the probe's own time ran out mid-exchange
	StatusClosed           Status = "closed"            // the peer closed or reset the connection mid-exchange
	StatusProtocolMismatch Status = "protocol-mismatch" // the port answered in another protocol
	StatusError            Status = "error"             // anything else: the message says what
)

// Outcome is one probe that failed on a host: the method (a prober's Name,
// the Source of its evidence), its Status, and the same message Errors
// holds for humans.
type Outcome struct {
	Method  string `json:"method"`
	Status  Status `json:"status"`
	Message string `json:"message"`
}
