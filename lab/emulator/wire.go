package emulator

import (
	"bufio"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/camsweep/camsweep/internal/httpdigest"
)

// Bounds on what a client may send.
const (
	maxHead     = 8 << 10
	maxBody     = 64 << 10
	maxRequests = 100 // per kept-alive connection
)

var errMalformed = errors.New("malformed request")

// request is an HTTP or RTSP request: both are a request line, header lines
// and an optional Content-Length body.
type request struct {
	Method, Target, Proto string
	Header                [][2]string // as sent; look up with Get
	Body                  []byte
}

// Get returns the first header named key, case-insensitively.
func (r *request) Get(key string) string {
	for _, h := range r.Header {
		if strings.EqualFold(h[0], key) {
			return h[1]
		}
	}
	return ""
}

// readRequest reads one request whose protocol starts with proto ("HTTP/",
// "RTSP/"). It reads at most maxHead bytes of head and maxBody of body.
func readRequest(br *bufio.Reader, proto string) (*request, error) {
	var (
		r     request
		total int
		first = true
	)
	for {
		line, err := br.ReadSlice('\n')
		total += len(line)
		if total > maxHead || errors.Is(err, bufio.ErrBufferFull) {
			return nil, errMalformed
		}
		if err != nil {
			return nil, err
		}
		s := strings.TrimRight(string(line), "\r\n")
		if hasControl(s) {
			return nil, errMalformed
		}
		if first {
			if s == "" { // tolerate blank lines before a request, as servers do
				continue
			}
			f := strings.Fields(s)
			if len(f) != 3 || !strings.HasPrefix(f[2], proto) {
				return nil, errMalformed
			}
			r.Method, r.Target, r.Proto = f[0], f[1], f[2]
			first = false
			continue
		}
		if s == "" {
			break
		}
		k, v, ok := strings.Cut(s, ":")
		if !ok {
			return nil, errMalformed
		}
		r.Header = append(r.Header, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
	}
	if cl := r.Get("Content-Length"); cl != "" {
		n, err := strconv.Atoi(cl)
		if err != nil || n < 0 || n > maxBody {
			return nil, errMalformed
		}
		r.Body = make([]byte, n)
		if _, err := io.ReadFull(br, r.Body); err != nil {
			return nil, err
		}
	}
	return &r, nil
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return true
		}
	}
	return false
}

// reply is what a route decided: a rendered response and whether the
// connection stays open for another request.
type reply struct {
	data []byte
	keep bool
}

// serveRequests reads requests of proto on c and answers them with route
// until the client goes quiet, sends garbage, or a reply closes.
func (e *Emulator) serveRequests(c net.Conn, proto string, route func(c net.Conn, r *request) reply) {
	br := bufio.NewReaderSize(c, maxHead)
	for i := range maxRequests {
		wait := e.Timeouts.Read
		if i > 0 {
			wait = e.Timeouts.Idle
		}
		c.SetReadDeadline(time.Now().Add(wait))
		r, err := readRequest(br, proto)
		if err != nil {
			return
		}
		rep := route(c, r)
		if len(rep.data) == 0 {
			return
		}
		c.SetWriteDeadline(time.Now().Add(e.Timeouts.Read))
		if _, err := c.Write(rep.data); err != nil || !rep.keep {
			return
		}
	}
}

// vars are the template values every reply can use.
func (e *Emulator) vars(c net.Conn) map[string]any {
	d := e.Device
	now := e.Now().UTC()
	host := ""
	if c != nil {
		if a, ok := c.LocalAddr().(*net.TCPAddr); ok {
			host = a.IP.String()
		}
	}
	return map[string]any{
		"Name":     d.Name,
		"Model":    d.Model,
		"Serial":   d.Serial,
		"Firmware": d.Firmware,
		"Realm":    d.Realm,
		"Server":   d.Server,
		"MAC":      d.MAC.String(),
		"MACHex":   strings.ToUpper(hex.EncodeToString(d.MAC)),
		"Host":     host,
		"Date":     now.Format(httpDate),
		"Millis":   strconv.FormatInt(now.UnixMilli(), 10),
		"Unix":     strconv.FormatInt(now.Unix(), 10),
		"Nonce":    randomHex(16),
	}
}

// httpDate is RFC 7231's IMF-fixdate.
const httpDate = "Mon, 02 Jan 2006 15:04:05 GMT"

// render renders reply name with the common vars plus extra.
func (e *Emulator) render(c net.Conn, name string, extra map[string]any) []byte {
	v := e.vars(c)
	for k, x := range extra {
		v[k] = x
	}
	b, err := e.tpl.render(name, v)
	if err != nil {
		// Templates are embedded and covered by tests; an error here is a
		// bug, and an empty reply closes the connection.
		return nil
	}
	return b
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// digestOK checks a digest Authorization header for user admin and
// password as a camera does: without qop, as the cameras' RTSP servers
// ask, or with qop=auth, as the ONVIF device service and the ISAPI pages
// ask. Any nonce is taken: the emulator keeps no nonce state.
func digestOK(auth, method, realm, password string) bool {
	return httpdigest.Check(auth, method, "admin", realm, password)
}
