package cpu

// diffForms lists every differential form, integer and SSE.
func diffForms() []dform {
	fs := intForms()
	fs = append(fs, sseForms()...)
	fs = append(fs, x87Forms()...)
	fs = append(fs, x87HotForms()...)
	fs = append(fs, x87SeqForms()...)
	fs = append(fs, xsaveForms()...)
	fs = append(fs, chainForms()...)
	fs = append(fs, autoForms()...)
	return fs
}
