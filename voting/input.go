package voting

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"go.yaml.in/yaml/v3"
)

// DecodeManifest reads a manifest as the commission writes it, in YAML or
// JSON (JSON is read as YAML): unknown fields, duplicate keys and keys with
// capital letters are errors, and so is an invalid manifest. Times are
// RFC 3339 with a zone offset. The result's [Manifest.Bytes] is what gets
// posted.
func DecodeManifest(b []byte) (*Manifest, error) {
	if len(b) > 4*MaxManifestLength {
		return nil, invalid("manifest", "%d bytes: too large", len(b))
	}
	var doc any
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: the file is empty", ErrInvalidManifest)
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalidManifest, err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: more than one YAML document", ErrInvalidManifest)
	}
	doc, err := jsonable(doc, 0)
	if err != nil {
		return nil, err
	}
	j, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidManifest, err)
	}
	m, err := decodeStrict(j)
	if err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// jsonable turns a decoded YAML document into values encoding/json writes
// as the same JSON: maps with string keys, times in RFC 3339.
func jsonable(v any, depth int) (any, error) {
	if depth > 32 {
		return nil, fmt.Errorf("%w: nested too deeply", ErrInvalidManifest)
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			var err error
			if x[k], err = jsonable(e, depth+1); err != nil {
				return nil, err
			}
		}
		return x, nil
	case map[any]any:
		return nil, fmt.Errorf("%w: a key that is not a string", ErrInvalidManifest)
	case []any:
		for i, e := range x {
			var err error
			if x[i], err = jsonable(e, depth+1); err != nil {
				return nil, err
			}
		}
		return x, nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	}
	return v, nil
}

// EncodeManifestYAML writes a valid manifest as YAML for people to edit:
// the fields of the canonical encoding, in its order, without comments.
// DecodeManifest reads it back to the same manifest.
func EncodeManifestYAML(m *Manifest) ([]byte, error) {
	j, err := m.Bytes()
	if err != nil {
		return nil, err
	}
	var node yaml.Node
	if err := yaml.Unmarshal(j, &node); err != nil {
		return nil, fmt.Errorf("voting: %w", err)
	}
	clearStyle(&node)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&node); err != nil {
		return nil, fmt.Errorf("voting: %w", err)
	}
	return buf.Bytes(), nil
}

// clearStyle turns JSON's flow style into YAML's block style, keeping
// strings that YAML would read as something else quoted.
func clearStyle(n *yaml.Node) {
	n.Style &^= yaml.FlowStyle
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		n.Style &^= yaml.DoubleQuotedStyle
		var v any
		if yaml.Unmarshal([]byte(n.Value), &v) != nil || v != n.Value {
			n.Style |= yaml.DoubleQuotedStyle
		}
	}
	for _, c := range n.Content {
		clearStyle(c)
	}
}
