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
// of Bangkok days, watch it, and re-sync what differs. A run covers the
// whole Omise account; a user bound to a store sees and re-syncs only the
// differences of that store.
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
	return h.index(c, http.StatusOK, today[:8]+"01", today, nil)
}

func (h *Reconcile) index(c echo.Context, status int, from, to string, errs map[string]string) error {
	runs, err := h.DB.ListReconcileRuns(c.Request().Context(), 50)
	if err != nil {
		return err
	}
	v := views.ReconcileView{FromDay: from, ToDay: to, Errors: errs}
	for _, r := range runs {
		v.Runs = append(v.Runs, runView(r))
	}
	return Render(c, status, views.ReconcilePage(v))
}

// Start is POST /reconcile (from, to): starts a run in the background and
// goes to its page. A run of the same range still working is shown instead.
func (h *Reconcile) Start(c echo.Context) error {
	from, to := c.FormValue("from"), c.FormValue("to")
	run, err := h.Reconciler.Start(c.Request().Context(), payActor(c), from, to)
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
		return h.index(c, http.StatusUnprocessableEntity, from, to, map[string]string{field: rangeErrorID(err)})
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

// loadRun reads the run named in the path, or answers 404.
func (h *Reconcile) loadRun(c echo.Context) (*db.ReconcileRun, error) {
	id, err := strconv.ParseInt(c.Param("run"), 10, 64)
	if err != nil || id <= 0 {
		return nil, NewUserError(http.StatusNotFound, "not_found", "finance.err.run_not_found")
	}
	run, err := h.DB.GetReconcileRun(c.Request().Context(), id)
	if errors.Is(err, db.ErrNotFound) {
		return nil, NewUserError(http.StatusNotFound, "not_found", "finance.err.run_not_found")
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
	run, err := h.loadRun(c)
	if err != nil {
		return err
	}
	if WantsJSON(c) {
		return JSON(c, http.StatusOK, runJSON{ID: run.ID, Status: run.Status, From: run.FromDay, To: run.ToDay,
			StartedBy: run.Username, StartedAt: run.StartedAt, FinishedAt: run.FinishedAt, DaysTotal: run.DaysTotal,
			DaysDone: run.DaysDone, OmiseSeen: run.OmiseSeen, LocalSeen: run.LocalSeen, Differences: run.Differences,
			Error: run.Error})
	}
	items, err := h.DB.ListReconcileItems(c.Request().Context(), run.ID)
	if err != nil {
		return err
	}
	v := views.ReconcileRunPageView{Run: runView(run)}
	for _, it := range items {
		if !u.CanAccessStore(it.StoreID) {
			continue
		}
		v.Items = append(v.Items, itemView(it))
		if it.ResyncResult != payments.ResyncFixed && it.ResyncResult != payments.ResyncUnchanged {
			v.Left++
		}
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
	run, err := h.loadRun(c)
	if err != nil {
		return err
	}
	scope := ""
	if u.Role != db.RoleAdmin {
		scope = u.StoreID
	}
	_, err = h.Payments.ResyncRun(c.Request().Context(), payActor(c), run.ID, scope)
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
