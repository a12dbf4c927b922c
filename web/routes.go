package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"instore/db"
	"instore/handlers"
	"instore/payments"
	"instore/static"
)

// routes registers every route of the application, each with the rule of
// who may call it (see Rule). Register through r only: New fails on a
// route without a rule.
func (a *App) routes(r *router) {
	d := a.deps
	auth := &handlers.Auth{DB: d.DB, Sessions: a.sessions, Limiter: a.logins, Now: a.now, Log: a.log, Demo: d.Config.Demo}
	admin := &handlers.Admin{DB: d.DB, DefaultSourceType: d.Config.SourceType, Logins: a.logins, Now: a.now}
	health := &handlers.Health{DB: d.DB}

	var (
		adminOnly = Roles(db.RoleAdmin)
	)

	// Health and assets: no session, no CSRF.
	r.GET("/healthz", health.Healthz, Stateless)
	r.GET(static.Prefix+"*", echo.WrapHandler(static.Handler()), Stateless)

	// Accounts: login, logout, language, own password, home.
	r.GET("/login", auth.LoginForm, Public)
	r.POST("/login", auth.Login, Public)
	r.POST("/logout", auth.Logout, LoggedIn)
	r.GET("/lang/:lang", handlers.SetLanguage, Public)
	r.GET("/account/password", auth.PasswordForm, LoggedIn)
	r.POST("/account/password", auth.ChangePassword, LoggedIn)
	r.GET("/", handlers.Home, LoggedIn)

	// Admin: users, stores, terminals, audit log.
	r.GET("/admin/users", admin.Users, adminOnly)
	r.POST("/admin/users", admin.CreateUser, adminOnly)
	r.POST("/admin/users/:id", admin.UpdateUser, adminOnly)
	r.POST("/admin/users/:id/status", admin.SetUserStatus, adminOnly)
	r.POST("/admin/users/:id/name", admin.SetUserName, adminOnly)
	r.POST("/admin/users/:id/password", admin.ResetPassword, adminOnly)
	r.POST("/admin/users/:id/unlock", admin.UnlockUser, adminOnly)
	r.POST("/admin/logins/:key/unlock", admin.UnlockAddress, adminOnly)
	r.GET("/admin/stores", admin.Stores, adminOnly)
	r.POST("/admin/stores", admin.CreateStore, adminOnly)
	r.POST("/admin/stores/:store", admin.UpdateStore, adminOnly)
	r.GET("/admin/groups", admin.Groups, adminOnly)
	r.POST("/admin/groups", admin.CreateGroup, adminOnly)
	r.POST("/admin/groups/:id", admin.UpdateGroup, adminOnly)
	r.POST("/admin/groups/:id/delete", admin.DeleteGroup, adminOnly)
	r.GET("/admin/terminals", admin.Terminals, adminOnly)
	r.POST("/admin/terminals", admin.CreateTerminal, adminOnly)
	r.POST("/admin/terminals/:store/:terminal", admin.UpdateTerminal, adminOnly)
	r.GET("/admin/audit", admin.Audit, adminOnly)

	// Payments core: the Omise webhook (trusted by signature and by asking
	// Omise back, never by session), the live feed, the JSON API and the
	// admin's webhook inbox.
	if d.Payments != nil {
		webhooks := &handlers.Webhooks{Payments: d.Payments, Secret: d.Config.WebhookSecret, Metrics: a.metrics, Log: a.log}
		r.POST("/webhooks/omise", webhooks.Receive, Machine)
		inbox := &handlers.WebhookInbox{DB: d.DB, Payments: d.Payments, SecretSet: d.Config.WebhookSecret != "", Now: a.now}
		r.GET("/admin/webhooks", inbox.List, adminOnly)
		r.POST("/admin/webhooks/:id/reprocess", inbox.Reprocess, adminOnly)
	}
	if d.Broker != nil {
		live := &handlers.Live{Feed: d.Broker, Viewer: a.sessions.viewer}
		r.GET("/live", live.Stream, LoggedIn)
	}
	api := &handlers.API{DB: d.DB}
	r.GET("/api/charges", api.ListCharges, Roles(db.RoleManager, db.RoleFinance, db.RoleAdmin))
	r.GET("/api/charges/:id", api.GetCharge, Roles(db.RoleManager, db.RoleFinance, db.RoleAdmin, db.RoleCashier))

	// till: the cashier's sale form, the charge, the waiting
	// screen, cancel and the receipt. Admins may run a store's till too.
	if d.Payments != nil {
		till := &handlers.Till{DB: d.DB, Payments: d.Payments, Now: a.now, Log: a.log}
		tillers := Roles(db.RoleCashier, db.RoleAdmin)
		r.GET("/till", till.Page, tillers)
		r.POST("/till/charges", till.Create, tillers)
		r.GET("/till/charges/:id", till.Show, tillers)
		r.POST("/till/charges/:id/cancel", till.Cancel, tillers)
		r.GET("/till/charges/:id/receipt", till.Receipt, tillers)
		r.GET("/till/charges/:id/qr", till.QR, tillers)
	}

	// Customer display: the screen facing the customer, for a cashier of
	// the store, an admin, or a display paired to that terminal (and to no
	// other route); pairing codes for cashiers and admins; the public page
	// a display types its code on; the admin's revoke.
	if d.Payments != nil {
		display := &handlers.Display{DB: d.DB, Payments: d.Payments, Limiter: NewThrottle(pairFailLimit, pairFailWindow),
			CodeKey: a.pairKey, CookieSecure: d.Config.CookieSecure, Now: a.now, Log: a.log, Viewer: a.sessions.viewer}
		shown := Roles(db.RoleCashier, db.RoleAdmin).WithDisplay()
		r.GET("/till/display", display.Page, shown)
		r.GET("/till/display/state", display.State, shown)
		r.GET("/till/display/qr", display.QR, shown)
		if d.Broker != nil {
			display.Feed = d.Broker
			r.GET("/till/display/events", display.Events, shown)
		}
		r.GET("/till/display/pair", display.PairForm, Roles(db.RoleCashier, db.RoleAdmin))
		r.POST("/till/display/pair", display.CreateCode, Roles(db.RoleCashier, db.RoleAdmin))
		r.GET("/display", display.EnterForm, Public)
		r.POST("/display", display.Enter, Public)
		r.POST("/admin/displays/:id/revoke", admin.RevokeDisplay, adminOnly)
	}

	// back office: the live board and its tiles, the charge list
	// and page (finance reads them too), and the actions that change a
	// charge: expire, refund and sync, for managers and admins only.
	if d.Payments != nil {
		board := &handlers.Board{DB: d.DB, TillTimeout: d.Config.TillTimeout, Now: a.now}
		charges := &handlers.Charges{DB: d.DB, Payments: d.Payments, Now: a.now}
		managers := Roles(db.RoleManager, db.RoleAdmin)
		readers := Roles(db.RoleManager, db.RoleFinance, db.RoleAdmin)
		r.GET("/board", board.Page, managers)
		r.GET("/board/tiles/:store/:terminal", board.Tile, managers)
		r.GET("/charges", charges.List, readers)
		r.GET("/charges/:id", charges.Show, readers)
		r.GET("/charges/:id/row", charges.Row, readers)
		r.POST("/charges/:id/expire", charges.Expire, managers)
		r.POST("/charges/:id/refunds", charges.CreateRefund, managers)
		r.POST("/charges/:id/sync", charges.Sync, managers)
	}

	// finance: reports, the Z-report and exports for finance,
	// managers and admins (each sees their own store, admins all);
	// reconciliation against Omise for finance and admins. Runs live on
	// d.Work, so shutdown stops them, not the request that started them.
	if d.Payments != nil {
		reports := &handlers.Reports{DB: d.DB, Payments: d.Payments, Now: a.now}
		rec := d.Reconciler
		if rec == nil {
			work := d.Work
			if work == nil {
				work = context.Background()
			}
			rec = payments.NewReconciler(work, d.Payments)
		}
		reconcile := &handlers.Reconcile{DB: d.DB, Payments: d.Payments, Reconciler: rec, Now: a.now}
		financeReaders := Roles(db.RoleFinance, db.RoleManager, db.RoleAdmin)
		reconcilers := Roles(db.RoleFinance, db.RoleAdmin)
		r.GET("/reports/daily", reports.Daily, financeReaders)
		r.GET("/reports/daily.csv", reports.DailyCSV, financeReaders)
		r.GET("/reports/z", reports.Z, financeReaders)
		r.GET("/charges.csv", reports.ChargesCSV, financeReaders)
		r.GET("/refunds.csv", reports.RefundsCSV, financeReaders)
		r.GET("/reconcile", reconcile.Index, reconcilers)
		r.POST("/reconcile", reconcile.Start, reconcilers)
		r.GET("/reconcile/:run", reconcile.Run, reconcilers)
		r.POST("/reconcile/:run/resync", reconcile.Resync, reconcilers)
	}

	// Demo mode: the embedded Omise simulator, with its own key auth.
	if d.Sim != nil {
		r.Any("/sim/omise/*", echo.WrapHandler(http.StripPrefix("/sim/omise", d.Sim)), Stateless)
	}
}
