package main

func (t *tool) productWebhooks(rep *report, lim *limits) {
	rep.Product = append(rep.Product, failRow("webhook ingestion", errNotBuilt))
}
func (t *tool) productLive(rep *report, lim *limits) {
	rep.Product = append(rep.Product, failRow("live fan-out", errNotBuilt))
}
func (t *tool) productCheckout(rep *report, lim *limits) {
	rep.Product = append(rep.Product, failRow("checkout", errNotBuilt))
}
func (t *tool) productCharges(rep *report, lim *limits, bigDB, deepAt, deepID string) {
	rep.Product = append(rep.Product, failRow("/charges", errNotBuilt))
}
func (t *tool) productCSV(rep *report, lim *limits, bigDB string) {
	rep.Product = append(rep.Product, failRow("CSV", errNotBuilt))
}
