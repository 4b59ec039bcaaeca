package schemas

// LegalityPolicy is the `legality` section of the policy file.
type LegalityPolicy struct {
}

func (p *LegalityPolicy) defaults() {}

func (p *LegalityPolicy) validate(path string) error { return nil }
