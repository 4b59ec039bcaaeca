package schemas

// AnnotationPolicy is the `annotation` section of the policy file.
type AnnotationPolicy struct {
}

func (p *AnnotationPolicy) defaults() {}

func (p *AnnotationPolicy) validate(path string) error { return nil }
