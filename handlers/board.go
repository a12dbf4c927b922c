package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/payments"
	"instore/views"
)

// Board serves the live board: GET /board and, for its live script, one
// terminal's tile at GET /board/tiles/:store/:terminal. Managers see their
// store, a group's users its stores, admins and head office every store
// (or ?store=, one of their scope).
type Board struct {
	DB *db.DB
	// TillTimeout is how long a sale may stay open before its tile is
	// highlighted (INSTORE_TILL_TIMEOUT).
	TillTimeout time.Duration
	Now         func() time.Time
}

func (h *Board) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Page is GET /board.
func (h *Board) Page(c echo.Context) error {
	u, ok := CurrentUser(c)
	if !ok {
		return echo.ErrUnauthorized
	}
	scope := payments.ScopeOf(u)
	store := scope.Single()
	if q := c.QueryParam("store"); scope.Picks() && q != "" && db.ValidStoreID(q) {
		if !scope.Has(q) {
			return echo.ErrNotFound
		}
		store = q
	}
	now := h.now()
	tiles, err := h.DB.BoardIn(c.Request().Context(), store, scope.Limit(), payments.BusinessDay(now))
	if err != nil {
		return err
	}
	v := views.BoardView{LiveURL: "/live"}
	if store != "" && scope.Picks() {
		v.LiveURL = "/live?store=" + url.QueryEscape(store)
	}
	for _, t := range tiles {
		if n := len(v.Stores); n == 0 || v.Stores[n-1].StoreID != t.StoreID {
			v.Stores = append(v.Stores, views.BoardStore{StoreID: t.StoreID, StoreName: t.StoreName})
		}
		s := &v.Stores[len(v.Stores)-1]
		s.Tiles = append(s.Tiles, tileView(t, now, h.TillTimeout))
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return Render(c, http.StatusOK, views.BoardPage(v))
}

// Tile is GET /board/tiles/:store/:terminal: the tile alone, as HTML.
func (h *Board) Tile(c echo.Context) error {
	u, ok := CurrentUser(c)
	if !ok {
		return echo.ErrUnauthorized
	}
	store, terminal := c.Param("store"), c.Param("terminal")
	if !payments.CanAccessStore(u, store) {
		return echo.ErrNotFound
	}
	now := h.now()
	t, err := h.DB.BoardTileFor(c.Request().Context(), store, terminal, payments.BusinessDay(now))
	if errors.Is(err, db.ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return Render(c, http.StatusOK, views.Tile(tileView(t, now, h.TillTimeout)))
}

// tileView decides what a terminal is doing. The till's open attempt comes
// first: it exists before Omise has made a charge. A pending charge without
// an attempt was started elsewhere (another till, the Omise dashboard).
func tileView(t *db.BoardTile, now time.Time, timeout time.Duration) views.BoardTile {
	v := views.BoardTile{
		StoreID: t.StoreID, TerminalID: t.TerminalID, Label: t.Label, State: "idle",
		TimeoutSec: int(timeout / time.Second), Now: now,
		TodaySales: t.TodaySales, TodayGross: t.TodayGross, TodayRefunds: t.TodayRefunds,
	}
	switch {
	case t.Open != nil:
		v.State, v.Since, v.OpenAmount, v.OpenChargeID = t.Open.Status, t.Open.CreatedAt, t.Open.Amount, t.Open.ChargeID
		v.OpenSourceType = t.Open.SourceType
	case t.Pending != nil:
		v.State, v.Since, v.OpenAmount, v.OpenChargeID = "pending", t.Pending.CreatedAt, t.Pending.Amount, t.Pending.ID
		v.OpenSourceType = t.Pending.SourceType
	}
	v.OpenMethodNameID = payments.MethodNameID(v.OpenSourceType)
	if v.State != "idle" && timeout > 0 && now.Sub(v.Since) > timeout {
		v.Stale = true
	}
	if a := t.LastAttempt; a != nil && a.ErrorCode == payments.CodeMethodNotEnabled {
		v.MethodNotEnabled = true
	}
	if l := t.Last; l != nil {
		v.LastChargeID, v.LastStatus, v.LastFailure, v.LastAmount, v.LastAt = l.ID, l.Status, l.FailureCode, l.Amount, l.CreatedAt
		v.LastState = payments.ChargeState(l)
		v.LastMethodNameID, v.LastSourceType = payments.MethodNameID(l.SourceType), l.SourceType
	}
	return v
}
