package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/payments"
	"instore/views"
)

// Reconcile serves /reconcile: start a comparison with Omise over a range
// of Bangkok days, watch it, and re-sync what differs. A user bound to a
// store runs, sees and re-syncs that store only (its runs, their counts
// and differences); an admin runs one store or every store and sees all.
type Reconcile struct {
	DB         *db.DB
	Payments   *payments.Service
	Reconciler *payments.Reconciler
	// Now is the clock (default range); nil means time.Now.
	Now func() time.Time
}

// payActor converts the request's actor for the payments service.
func payActor(c echo.Context) payments.Actor {
	a := Actor(c)
	return payments.Actor{UserID: a.UserID, Username: a.Username, Role: a.Role, IP: a.IP}
}

// Index is GET /reconcile: the range form and past runs.
func (h *Reconcile) Index(c echo.Context) error {
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	today := payments.BusinessDay(now)
	return h.index(c, http.StatusOK, today[:8]+"01", today, "", nil)
}

// runScope is which stores' runs u may see and start: their scope. A user
// bound to no store (or to a group without stores) gets an error.
func runScope(u *db.User) (payments.ChargeScope, error) {
	scope := payments.ScopeOf(u)
	if !scope.AllStores && len(scope.Stores) == 0 {
		return scope, Refuse(payments.Forbidden, "no_store", "finance.err.no_store")
	}
	return scope, nil
}

func (h *Reconcile) index(c echo.Context, status int, from, to, store string, errs map[string]string) error {
	u, ok := CurrentUser(c)
	if !ok {
		return echo.ErrUnauthorized
	}
	scope, err := runScope(u)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	runs, err := h.DB.ListReconcileRunsIn(ctx, scope.Limit(), 50)
	if err != nil {
		return err
	}
	v := views.ReconcileView{FromDay: from, ToDay: to, StoreID: store, StoreFixed: !scope.Picks(), Errors: errs}
	if v.StoreFixed {
		v.StoreID = scope.Single()
	} else if v.Stores, err = storeOptions(ctx, h.DB, scope); err != nil {
		return err
	}
	var ids []int64
	for _, r := range runs {
		if payments.RunVisible(u, r) {
			v.Runs = append(v.Runs, runView(r))
			ids = append(ids, r.ID)
		}
	}
	byMethod, err := h.DB.ReconcileRunMethods(ctx, ids)
	if err != nil {
		return err
	}
	for i := range v.Runs {
		for _, m := range payments.RunMethods(byMethod[v.Runs[i].ID]) {
			v.Runs[i].Methods = append(v.Runs[i].Methods, views.ReconcileMethodView{SourceType: m.SourceType,
				NameID: m.NameID, Differences: m.Differences})
		}
	}
	return Render(c, status, views.ReconcilePage(v))
}

// Start is POST /reconcile (from, to; store for admins, "" = every store):
// starts a run in the background and goes to its page. A run of the same
// range and store still working is shown instead.
func (h *Reconcile) Start(c echo.Context) error {
	u, ok := CurrentUser(c)
	if !ok {
		return echo.ErrUnauthorized
	}
	scope, err := runScope(u)
	if err != nil {
		return err
	}
	from, to, store := c.FormValue("from"), c.FormValue("to"), c.FormValue("store")
	if scope.CheckStore(store) != "" {
		shown := store
		if !db.ValidStoreID(store) {
			shown = ""
		}
		return h.index(c, http.StatusUnprocessableEntity, from, to, shown, map[string]string{"store": "finance.err.store"})
	}
	if one := scope.Single(); one != "" {
		store = one
	}
	// No store chosen: every store of the scope (a group's stores as they
	// are now; nil for every store).
	run, err := h.Reconciler.StartIn(c.Request().Context(), payActor(c), store, scope.Limit(), from, to)
	switch {
	case errors.Is(err, db.ErrReconcileRunning):
		Flash(c, "ok", "finance.reconcile.already_running")
		return Redirect(c, runView(run).Href())
	case errors.Is(err, payments.ErrBadDay), errors.Is(err, payments.ErrRangeOrder),
		errors.Is(err, payments.ErrRangeTooLong), errors.Is(err, payments.ErrRangeInFuture):
		field := "from"
		if errors.Is(err, payments.ErrRangeOrder) {
			field = "to"
		}
		return h.index(c, http.StatusUnprocessableEntity, from, to, store, map[string]string{field: rangeErrorID(err)})
	case err != nil:
		return err
	}
	Flash(c, "ok", "finance.reconcile.started_ok")
	return Redirect(c, runView(run).Href())
}

// runJSON is a run's progress as GET /reconcile/{run} answers JSON clients
// (the page's poller among them).
type runJSON struct {
	ID          int64      `json:"id"`
	Status      string     `json:"status"`
	From        string     `json:"from"`
	To          string     `json:"to"`
	StoreID     string     `json:"store_id"` // "" = every store
	StartedBy   string     `json:"started_by"`
	StartedAt   time.Time  `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at"`
	DaysTotal   int        `json:"days_total"`
	DaysDone    int        `json:"days_done"`
	OmiseSeen   int        `json:"omise_seen"`
	LocalSeen   int        `json:"local_seen"`
	Differences int        `json:"differences"`
	Error       string     `json:"error,omitempty"`
}

// loadRun reads the run named in the path, or answers 404, also for a run
// of another store than u's (an admin sees every run).
func (h *Reconcile) loadRun(c echo.Context, u *db.User) (*db.ReconcileRun, error) {
	id, err := strconv.ParseInt(c.Param("run"), 10, 64)
	if err != nil || id <= 0 {
		return nil, Refuse(payments.NotFound, "not_found", "finance.err.run_not_found")
	}
	run, err := h.DB.GetReconcileRun(c.Request().Context(), id)
	if errors.Is(err, db.ErrNotFound) || (err == nil && !payments.RunVisible(u, run)) {
		return nil, Refuse(payments.NotFound, "not_found", "finance.err.run_not_found")
	}
	return run, err
}

// Run is GET /reconcile/{run}: progress while it works, then the
// differences (of the user's store, for users bound to one).
func (h *Reconcile) Run(c echo.Context) error {
	u, ok := CurrentUser(c)
	if !ok {
		return echo.ErrUnauthorized
	}
	run, err := h.loadRun(c, u)
	if err != nil {
		return err
	}
	if WantsJSON(c) {
		return JSON(c, http.StatusOK, runJSON{ID: run.ID, Status: run.Status, From: run.FromDay, To: run.ToDay, StoreID: run.StoreID,
			StartedBy: run.Username, StartedAt: run.StartedAt, FinishedAt: run.FinishedAt, DaysTotal: run.DaysTotal,
			DaysDone: run.DaysDone, OmiseSeen: run.OmiseSeen, LocalSeen: run.LocalSeen, Differences: run.Differences,
			Error: run.Error})
	}
	ctx := c.Request().Context()
	items, err := h.DB.ListReconcileItems(ctx, run.ID)
	if err != nil {
		return err
	}
	days, err := h.DB.ListReconcileDays(ctx, run.ID)
	if err != nil {
		return err
	}
	v := views.ReconcileRunPageView{Run: runView(run)}
	var shown []*db.ReconcileItem
	for _, it := range items {
		if !payments.CanAccessStore(u, it.StoreID) {
			continue
		}
		shown = append(shown, it)
		v.Items = append(v.Items, itemView(it))
		if it.ResyncResult != payments.ResyncFixed && it.ResyncResult != payments.ResyncUnchanged {
			v.Left++
		}
	}
	for _, d := range days {
		if payments.CanAccessStore(u, d.StoreID) {
			v.Days = append(v.Days, dayView(d, shown))
		}
	}
	for _, m := range payments.ReconcileByMethod(shown) {
		v.Methods = append(v.Methods, views.ReconcileMethodView{SourceType: m.SourceType, NameID: m.NameID,
			Differences: m.Differences, Charges: m.Charges})
	}
	v.CanResync = run.Status != db.ReconcileRunning && v.Left > 0
	return Render(c, http.StatusOK, views.ReconcileRunPage(v))
}

// Resync is POST /reconcile/{run}/resync: re-reads from Omise every charge
// the run found different (audited per charge), then shows the run again.
func (h *Reconcile) Resync(c echo.Context) error {
	u, ok := CurrentUser(c)
	if !ok {
		return echo.ErrUnauthorized
	}
	run, err := h.loadRun(c, u)
	if err != nil {
		return err
	}
	_, err = h.Payments.ResyncRunIn(c.Request().Context(), payActor(c), run.ID, payments.ScopeOf(u))
	if errors.Is(err, db.ErrReconcileRunning) {
		Flash(c, "error", "finance.reconcile.resync_running")
		return Redirect(c, runView(run).Href())
	}
	if err != nil {
		return err
	}
	Flash(c, "ok", "finance.reconcile.resync_done")
	return Redirect(c, runView(run).Href())
}
