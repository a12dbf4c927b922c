package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/money"
	"instore/payments"
	"instore/views"
)

// methodChoices are the payment methods a store may take, as the form offers them.
func methodChoices() []views.MethodChoice {
	var out []views.MethodChoice
	for _, m := range payments.Methods() {
		out = append(out, views.MethodChoice{ID: m.ID, LabelID: m.LabelID()})
	}
	return out
}

func (h *Admin) storeOptions(c echo.Context) ([]views.StoreOption, error) {
	stores, err := h.DB.ListStores(c.Request().Context())
	if err != nil {
		return nil, err
	}
	out := make([]views.StoreOption, len(stores))
	for i, s := range stores {
		out[i] = views.StoreOption{ID: s.StoreID, Name: s.StoreName}
	}
	return out, nil
}

// storeForm is a new store or a store edit.
type storeForm struct {
	StoreID, StoreName string
	// Methods are the method ids ticked (field methods, repeated), or the
	// one in source_type, which API callers and older forms send.
	Methods      []string
	ConfirmAbove string // baht as typed; "" with keepConfirm: unchanged
	keepConfirm  bool   // the request has no confirm_above field
}

func readStoreForm(c echo.Context, storeID string) storeForm {
	f := storeForm{StoreID: storeID, StoreName: strings.TrimSpace(c.FormValue("store_name")),
		ConfirmAbove: strings.TrimSpace(c.FormValue("confirm_above"))}
	if params, err := c.FormParams(); err == nil {
		_, sent := params["confirm_above"]
		f.keepConfirm = !sent
		f.Methods = params["methods"]
	}
	if len(f.Methods) == 0 && c.FormValue("source_type") != "" {
		f.Methods = []string{c.FormValue("source_type")}
	}
	return f
}

// confirmAbove is the threshold in satang; ok is false when the text is
// not an amount of 0 to money.MaxCharge in the shared amount grammar.
func (f storeForm) confirmAbove() (satang int64, ok bool) {
	v, err := money.ParseBaht(f.ConfirmAbove)
	return v, err == nil && db.ValidConfirmAbove(v)
}

// Validate returns field -> message id.
func (f storeForm) Validate() map[string]string {
	errs := map[string]string{}
	if _, ok := f.confirmAbove(); !ok && !f.keepConfirm {
		errs["confirm_above"] = "err.confirm_above.format"
	}
	if !db.ValidStoreID(f.StoreID) {
		errs["store_id"] = "err.store_id.format"
	}
	if !db.ValidStoreName(f.StoreName) {
		errs["store_name"] = "err.store_name.format"
	}
	if _, ok := payments.StoreMethods(f.Methods); !ok {
		errs["methods"] = "err.source_type.invalid"
	}
	return errs
}

func (h *Admin) renderStores(c echo.Context, status int, form views.StoreForm, errs map[string]string, alert *views.Msg) error {
	ctx := c.Request().Context()
	stores, err := h.DB.ListStores(ctx)
	if err != nil {
		return err
	}
	terms, err := h.DB.ListTerminals(ctx, "")
	if err != nil {
		return err
	}
	count := map[string]int{}
	for _, t := range terms {
		count[t.StoreID]++
	}
	v := views.AdminStoresView{Methods: methodChoices(), Form: form, Errors: errs, Alert: alert}
	for _, s := range stores {
		v.Stores = append(v.Stores, views.StoreRow{StoreID: s.StoreID, StoreName: s.StoreName, Methods: s.Methods,
			ConfirmAbove: money.FormatBaht(s.ConfirmAbove), Terminals: count[s.StoreID]})
	}
	return Render(c, status, views.AdminStoresPage(v))
}

// Stores is GET /admin/stores.
func (h *Admin) Stores(c echo.Context) error {
	return h.renderStores(c, http.StatusOK, h.newStoreForm(), nil, nil)
}

func (h *Admin) newStoreForm() views.StoreForm {
	return views.StoreForm{Methods: []string{h.DefaultSourceType}, ConfirmAbove: money.FormatBaht(db.DefaultConfirmAbove)}
}

// CreateStore is POST /admin/stores.
func (h *Admin) CreateStore(c echo.Context) error {
	f := readStoreForm(c, strings.TrimSpace(c.FormValue("store_id")))
	confirm := db.DefaultConfirmAbove
	if f.keepConfirm {
		f.ConfirmAbove = money.FormatBaht(confirm)
	}
	errs := f.Validate()
	if len(errs) == 0 {
		confirm, _ = f.confirmAbove()
		methods, _ := payments.StoreMethods(f.Methods)
		_, err := h.DB.CreateStore(c.Request().Context(), Actor(c), db.Store{StoreID: f.StoreID, StoreName: f.StoreName,
			Methods: methods, ConfirmAbove: confirm})
		if errors.Is(err, db.ErrExists) {
			errs["store_id"] = "err.store_id.taken"
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return h.renderStores(c, http.StatusUnprocessableEntity, views.StoreForm{StoreID: f.StoreID, StoreName: f.StoreName,
			Methods: f.Methods, ConfirmAbove: f.ConfirmAbove}, errs, nil)
	}
	Flash(c, "ok", "flash.store_created")
	return Redirect(c, "/admin/stores")
}

// UpdateStore is POST /admin/stores/:store: name, payment methods and the
// large-amount threshold (kept when the request has no confirm_above).
func (h *Admin) UpdateStore(c echo.Context) error {
	f := readStoreForm(c, c.Param("store"))
	errs := f.Validate()
	if _, bad := errs["store_id"]; bad {
		return Refuse(payments.NotFound, "not_found", "error.not_found")
	}
	if len(errs) > 0 {
		return h.renderStores(c, http.StatusUnprocessableEntity, h.newStoreForm(), nil, views.M(errs[firstKey(errs)]))
	}
	ctx := c.Request().Context()
	old, err := h.DB.GetStore(ctx, f.StoreID)
	if errors.Is(err, db.ErrNotFound) {
		return Refuse(payments.NotFound, "not_found", "error.not_found")
	}
	if err != nil {
		return err
	}
	confirm := old.ConfirmAbove
	if !f.keepConfirm {
		confirm, _ = f.confirmAbove()
	}
	methods, _ := payments.StoreMethods(f.Methods)
	_, err = h.DB.UpdateStore(ctx, Actor(c), db.Store{StoreID: f.StoreID, StoreName: f.StoreName, Methods: methods, ConfirmAbove: confirm})
	if errors.Is(err, db.ErrNotFound) {
		return Refuse(payments.NotFound, "not_found", "error.not_found")
	}
	if err != nil {
		return err
	}
	Flash(c, "ok", "flash.store_updated")
	return Redirect(c, "/admin/stores")
}

// terminalForm is a new terminal or a label edit.
type terminalForm struct {
	StoreID, TerminalID, Label string
}

// Validate returns field -> message id.
func (f terminalForm) Validate() map[string]string {
	errs := map[string]string{}
	if f.StoreID == "" {
		errs["store_id"] = "err.store.required"
	}
	if !db.ValidTerminalID(f.TerminalID) {
		errs["terminal_id"] = "err.terminal_id.format"
	}
	if !db.ValidLabel(f.Label) {
		errs["label"] = "err.label.format"
	}
	return errs
}

func (h *Admin) renderTerminals(c echo.Context, status int, form views.TerminalForm, errs map[string]string, alert *views.Msg) error {
	filter := c.QueryParam("store")
	terms, err := h.DB.ListTerminals(c.Request().Context(), filter)
	if err != nil {
		return err
	}
	stores, err := h.storeOptions(c)
	if err != nil {
		return err
	}
	if form.StoreID == "" {
		form.StoreID = filter
	}
	v := views.AdminTerminalsView{Filter: filter, Stores: stores, Form: form, Errors: errs, Alert: alert}
	if v.Displays, err = h.displayRows(c, filter); err != nil {
		return err
	}
	for _, t := range terms {
		v.Terminals = append(v.Terminals, views.TerminalRow{StoreID: t.StoreID, TerminalID: t.TerminalID, Label: t.Label})
	}
	return Render(c, status, views.AdminTerminalsPage(v))
}

// Terminals is GET /admin/terminals?store=ID.
func (h *Admin) Terminals(c echo.Context) error {
	return h.renderTerminals(c, http.StatusOK, views.TerminalForm{}, nil, nil)
}

// CreateTerminal is POST /admin/terminals.
func (h *Admin) CreateTerminal(c echo.Context) error {
	f := terminalForm{StoreID: c.FormValue("store_id"), TerminalID: strings.TrimSpace(c.FormValue("terminal_id")), Label: strings.TrimSpace(c.FormValue("label"))}
	errs := f.Validate()
	if len(errs) == 0 {
		_, err := h.DB.CreateTerminal(c.Request().Context(), Actor(c), db.Terminal{StoreID: f.StoreID, TerminalID: f.TerminalID, Label: f.Label})
		switch {
		case errors.Is(err, db.ErrExists):
			errs["terminal_id"] = "err.terminal_id.taken"
		case errors.Is(err, db.ErrNotFound):
			errs["store_id"] = "err.store.unknown"
		case err != nil:
			return err
		}
	}
	if len(errs) > 0 {
		return h.renderTerminals(c, http.StatusUnprocessableEntity, views.TerminalForm(f), errs, nil)
	}
	Flash(c, "ok", "flash.terminal_created")
	return Redirect(c, "/admin/terminals?store="+f.StoreID)
}

// UpdateTerminal is POST /admin/terminals/:store/:terminal: the label.
func (h *Admin) UpdateTerminal(c echo.Context) error {
	label := strings.TrimSpace(c.FormValue("label"))
	if !db.ValidLabel(label) {
		return h.renderTerminals(c, http.StatusUnprocessableEntity, views.TerminalForm{}, nil, views.M("err.label.format"))
	}
	t := db.Terminal{StoreID: c.Param("store"), TerminalID: c.Param("terminal"), Label: label}
	_, err := h.DB.UpdateTerminal(c.Request().Context(), Actor(c), t)
	if errors.Is(err, db.ErrNotFound) {
		return Refuse(payments.NotFound, "not_found", "error.not_found")
	}
	if err != nil {
		return err
	}
	Flash(c, "ok", "flash.terminal_updated")
	return Redirect(c, "/admin/terminals?store="+t.StoreID)
}
