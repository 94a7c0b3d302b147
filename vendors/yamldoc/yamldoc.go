// Package yamldoc reads small hand-written YAML files (rules, the catalog,
// zones) node by node, so that every error names the file, the line and the
// offending token: "catalog.yaml:14: unknown list "uk-nl" in maker "hikvision"".
// Decoding straight into structs loses the line of a semantic error and,
// inside custom unmarshalers, also loses KnownFields; walking yaml.Node keeps
// both.
package yamldoc

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is a problem at one line of one file.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Doc is one parsed file.
type Doc struct {
	Name string
	Root *yaml.Node // the top-level node of the first document
}

var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse parses data; an empty file (or one holding only comments) is an error.
func Parse(name string, data []byte) (*Doc, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		if m := yamlLineErr.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			return nil, &Error{File: name, Line: line, Msg: m[2]}
		}
		return nil, &Error{File: name, Line: 1, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if n.Kind == 0 || len(n.Content) == 0 {
		return nil, &Error{File: name, Line: 1, Msg: "empty file"}
	}
	root := resolve(n.Content[0])
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, &Error{File: name, Line: 1, Msg: "empty file"}
	}
	return &Doc{Name: name, Root: root}, nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// Errorf returns an Error at n's line.
func (d *Doc) Errorf(n *yaml.Node, format string, a ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{File: d.Name, Line: line, Msg: fmt.Sprintf(format, a...)}
}

// Field is one key/value pair of a mapping, in file order.
type Field struct {
	Key   string
	KeyN  *yaml.Node
	Value *yaml.Node
}

// Map is a mapping node with its keys checked.
type Map struct {
	Node   *yaml.Node
	Fields []Field
	byKey  map[string]int
	doc    *Doc
	what   string
}

// Get returns the value of key, or nil when absent.
func (m *Map) Get(key string) *yaml.Node {
	if i, ok := m.byKey[key]; ok {
		return m.Fields[i].Value
	}
	return nil
}

// Require returns the value of key or an error at the mapping's line.
func (m *Map) Require(key string) (*yaml.Node, error) {
	if v := m.Get(key); v != nil {
		return v, nil
	}
	return nil, m.doc.Errorf(m.Node, "missing %q in %s", key, m.what)
}

// Mapping checks that n is a mapping whose keys are all in allowed (any key
// when allowed is empty) and none repeats. what names the mapping in errors.
func (d *Doc) Mapping(n *yaml.Node, what string, allowed ...string) (*Map, error) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, d.Errorf(n, "%s: want a mapping, got %s", what, kindName(n))
	}
	m := &Map{Node: n, byKey: map[string]int{}, doc: d, what: what}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return nil, d.Errorf(k, "%s: keys must be strings", what)
		}
		if len(allowed) > 0 && !slices.Contains(allowed, k.Value) {
			return nil, d.Errorf(k, "unknown key %q in %s (want %s)", k.Value, what, strings.Join(allowed, ", "))
		}
		if _, dup := m.byKey[k.Value]; dup {
			return nil, d.Errorf(k, "duplicate key %q in %s", k.Value, what)
		}
		m.byKey[k.Value] = len(m.Fields)
		m.Fields = append(m.Fields, Field{Key: k.Value, KeyN: k, Value: v})
	}
	return m, nil
}

// Seq checks that n is a sequence and returns its items.
func (d *Doc) Seq(n *yaml.Node, what string) ([]*yaml.Node, error) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil, d.Errorf(n, "%s: want a list, got %s", what, kindName(n))
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = resolve(c)
	}
	return out, nil
}

// Str returns a scalar's text; null yields "".
func (d *Doc) Str(n *yaml.Node, what string) (string, error) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return "", d.Errorf(n, "%s: want a string, got %s", what, kindName(n))
	}
	if n.Tag == "!!null" {
		return "", nil
	}
	return n.Value, nil
}

// Float returns a numeric scalar.
func (d *Doc) Float(n *yaml.Node, what string) (float64, error) {
	s, err := d.Str(n, what)
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, d.Errorf(n, "%s: want a number, got %q", what, s)
	}
	return f, nil
}

// Bool returns a true/false scalar.
func (d *Doc) Bool(n *yaml.Node, what string) (bool, error) {
	s, err := d.Str(n, what)
	if err != nil {
		return false, err
	}
	switch s {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, d.Errorf(n, "%s: want true or false, got %q", what, s)
}

// StrList returns a list of scalars.
func (d *Doc) StrList(n *yaml.Node, what string) ([]string, []*yaml.Node, error) {
	items, err := d.Seq(n, what)
	if err != nil {
		return nil, nil, err
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, err := d.Str(it, what)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, s)
	}
	return out, items, nil
}

func kindName(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "an empty value"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}
