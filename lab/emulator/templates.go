package emulator

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"text/template"
)

// Templates live in templates/<profile>/<reply>.head and .body files:
//
//   - a .head is the status line and headers, one per line; the renderer
//     ends each line with CRLF, drops empty lines (left by {{if}}) and adds
//     the blank line, so the files stay readable while the bytes on the wire
//     are exact, odd spacing and header case included;
//   - a .body is sent byte for byte except the file's final newline;
//     a .crlf.body has its LFs turned into CRLFs first.
//
// Templates see the device fields plus per-reply values (Date, CSeq, Nonce…);
// {{bom}} is the UTF-8 byte order mark and .ContentLength is the body length.
//
//go:embed templates
var templateFS embed.FS

type templates struct {
	profile string
	set     *template.Template
	crlf    map[string]bool // body names whose LFs become CRLF
}

func loadTemplates(profile string) (*templates, error) {
	t := &templates{
		profile: profile,
		set: template.New(profile).Option("missingkey=error").Funcs(template.FuncMap{
			"bom": func() string { return "\ufeff" },
		}),
		crlf: map[string]bool{},
	}
	dir := path.Join("templates", profile)
	entries, err := fs.ReadDir(templateFS, dir)
	if err != nil {
		return nil, fmt.Errorf("emulator: templates of %s: %w", profile, err)
	}
	for _, en := range entries {
		data, err := fs.ReadFile(templateFS, path.Join(dir, en.Name()))
		if err != nil {
			return nil, err
		}
		name := en.Name()
		if base, ok := strings.CutSuffix(name, ".crlf.body"); ok {
			name = base + ".body"
			t.crlf[name] = true
		}
		if _, err := t.set.New(name).Parse(string(data)); err != nil {
			return nil, fmt.Errorf("emulator: %s/%s: %w", profile, en.Name(), err)
		}
	}
	return t, nil
}

// render returns the full reply name (head plus optional body).
func (t *templates) render(name string, vars map[string]any) ([]byte, error) {
	var body []byte
	if t.set.Lookup(name+".body") != nil {
		var b bytes.Buffer
		if err := t.set.ExecuteTemplate(&b, name+".body", vars); err != nil {
			return nil, err
		}
		body = bytes.TrimSuffix(b.Bytes(), []byte("\n"))
		if t.crlf[name+".body"] {
			body = bytes.ReplaceAll(body, []byte("\n"), []byte("\r\n"))
		}
	}
	vars["ContentLength"] = len(body)
	var h bytes.Buffer
	if err := t.set.ExecuteTemplate(&h, name+".head", vars); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	for line := range strings.SplitSeq(h.String(), "\n") {
		if line == "" {
			continue
		}
		out.WriteString(line)
		out.WriteString("\r\n")
	}
	out.WriteString("\r\n")
	out.Write(body)
	return out.Bytes(), nil
}
