package schemas

// LicencePolicy is the `licence` section of the policy file.
type LicencePolicy struct {
}

func (p *LicencePolicy) defaults() {}

func (p *LicencePolicy) validate(path string) error { return nil }
