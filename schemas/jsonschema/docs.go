package jsonschema

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
)

// Docs maps "Type" and "Type.Field" (Go names) to the cleaned doc comment of
// that type or struct field.
type Docs map[string]string

// ParseDocs reads the doc comments of the struct types declared in the
// non-test Go files of dir (the schemas package).
func ParseDocs(dir string) (Docs, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	docs := Docs{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", name, err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				if text := cleanDoc(doc); text != "" {
					docs[ts.Name.Name] = text
				}
				for _, fld := range st.Fields.List {
					cg := fld.Doc
					if cg == nil {
						cg = fld.Comment
					}
					text := cleanDoc(cg)
					if text == "" {
						continue
					}
					for _, n := range fld.Names {
						docs[ts.Name.Name+"."+n.Name] = text
					}
				}
			}
		}
	}
	return docs, nil
}

// cleanDoc turns a comment group into plain text: lines of a paragraph
// joined by spaces, paragraphs by a blank line, indented code blocks
// dropped (with an "Example:" that introduced one).
func cleanDoc(cg *ast.CommentGroup) string {
	if cg == nil {
		return ""
	}
	var paras []string
	var cur []string
	flush := func(beforeCode bool) {
		if len(cur) == 0 {
			return
		}
		p := strings.Join(cur, " ")
		if beforeCode {
			p = strings.TrimSpace(strings.TrimSuffix(p, "Example:"))
		}
		if p != "" {
			paras = append(paras, p)
		}
		cur = cur[:0]
	}
	for _, line := range strings.Split(cg.Text(), "\n") {
		switch {
		case strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "  "):
			flush(true)
		case strings.TrimSpace(line) == "":
			flush(false)
		default:
			cur = append(cur, strings.TrimSpace(line))
		}
	}
	flush(false)
	return strings.Join(paras, "\n\n")
}

// fieldDoc returns the doc of a field with its leading Go name replaced by
// the YAML key, so "Input is the store ..." reads "`input` is the store ...".
func (d Docs) fieldDoc(typeName, goName, key string) string {
	text := d[typeName+"."+goName]
	if rest, ok := strings.CutPrefix(text, goName); ok && rest != "" && strings.ContainsRune(" :,", rune(rest[0])) {
		text = "`" + key + "`" + rest
	}
	return text
}
