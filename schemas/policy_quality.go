package schemas

// QualityPolicy is the `quality` section of the policy file.
type QualityPolicy struct {
}

func (p *QualityPolicy) defaults() {}

func (p *QualityPolicy) validate(path string) error { return nil }
