package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"instore/config"
	"instore/db"
	"instore/i18n"
	"instore/money"
	"instore/payments"
)

var usage = `usage:
  instore                                   start the server (settings from the environment; see README)
  instore user add --username NAME --role cashier|manager|finance|admin [--store STORE_ID | --group NAME | --all-stores]
                                            [--name "DISPLAY NAME"]
                                            create a user; the password (at least 10 characters) is read from stdin;
                                            --name is what people call them, Thai or English (up to 60 characters);
                                            a manager or finance user sees one store, a group's stores or all stores
  instore user passwd NAME                  set a user's password from stdin; ends all their sessions
  instore terminal add --store-id S --store-name N --terminal-id T [--label L] [--methods M,...] [--confirm-above BAHT]
                                            add a terminal, creating or renaming the store as needed;
                                            methods (default INSTORE_SOURCE_TYPE): ` + strings.Join(payments.MethodIDs(), ", ") + `
                                            (--source-type M is --methods with one method)
  instore group add --name NAME --stores S1,S2,...
                                            a named group of stores (a region) to scope users to
  instore group set-stores --name NAME [--stores S1,S2,...] [--rename NEW]
                                            change a group's stores (its users see them from their next request)
  instore group list | group remove --name NAME
  instore backup PATH                       consistent copy of the database to a new file PATH, safe while the server runs
                                            (SQLite; a PostgreSQL INSTORE_DB is backed up with pg_dump, as it explains)
  instore copy --from FILE --to postgres://… [--replace]
                                            copy every table of a SQLite file into an empty PostgreSQL database in one
                                            transaction, then compare rows and money sums of both (--replace: empty it first)
  instore sim [--addr HOST:PORT] [--webhook URL,...] [--webhook-secret BASE64] [--public-key K] [--secret-key K]
              [--auto on|off] [--auto-delay 3s] [--charge-ttl 168h]
                                            the Omise simulator alone (default ` + simDefaultAddr + `, webhooks to ` + simDefaultWebhook + `),
                                            for instances that share one Omise world; prints the environment to start them with`

// errUsage marks bad command-line arguments.
var errUsage = errors.New("bad arguments")

// usageError prints the usage and returns an error naming what was wrong.
func usageError(stdout io.Writer, format string, a ...any) error {
	fmt.Fprintln(stdout, usage)
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

// runCLI runs one admin command against the database of the configuration.
func runCLI(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	cmd := strings.Join(args[:min(2, len(args))], " ")
	switch {
	case args[0] == "help" || args[0] == "-h" || args[0] == "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	case cmd == "user add", cmd == "user passwd", cmd == "terminal add",
		cmd == "group add", cmd == "group list", cmd == "group set-stores", cmd == "group remove":
	case args[0] == "sim":
		return runSim(ctx, args[1:], stdout)
	case args[0] == "copy":
		return runCopy(ctx, args[1:], stdout)
	case args[0] == "backup":
		cfg, err := config.ParseCommand(getenv)
		if err != nil {
			return err
		}
		if len(args) != 2 {
			return usageError(stdout, "backup needs exactly one PATH")
		}
		return runBackup(ctx, cfg.DBPath, args[1])
	default:
		return usageError(stdout, "unknown command %q", strings.Join(args, " "))
	}
	cfg, err := config.ParseCommand(getenv)
	if err != nil {
		return err
	}
	d, err := openDatabase(ctx, cfg.DBPath)
	if err != nil {
		return err
	}
	defer d.Close()
	switch cmd {
	case "user add":
		return cliUserAdd(ctx, d, args[2:], stdin, stdout)
	case "user passwd":
		return cliUserPasswd(ctx, d, args[2:], stdin, stdout)
	case "group add", "group list", "group set-stores", "group remove":
		return cliGroup(ctx, d, args[1], args[2:], stdout)
	default:
		return cliTerminalAdd(ctx, d, cfg, args[2:], stdout)
	}
}

// invalid is a validation failure in English and Thai.
func invalid(field, msgID string) error {
	return fmt.Errorf("%s: %s / %s", field, i18n.TLang(i18n.EN, msgID), i18n.TLang(i18n.TH, msgID))
}

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // our usage text replaces flag's
	return fs
}

func cliUserAdd(ctx context.Context, d *db.DB, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := newFlags("user add")
	username := fs.String("username", "", "")
	role := fs.String("role", "", "")
	store := fs.String("store", "", "")
	group := fs.String("group", "", "")
	allStores := fs.Bool("all-stores", false, "")
	displayName := fs.String("name", "", "")
	if err := fs.Parse(args); err != nil {
		return usageError(stdout, "user add: %v", err)
	}
	shown, ok := db.CleanDisplayName(*displayName)
	if !ok {
		return invalid("--name", "display_name.too_long")
	}
	if fs.NArg() > 0 || *username == "" || *role == "" {
		return usageError(stdout, "user add needs --username and --role")
	}
	name := strings.ToLower(*username)
	switch r := db.Role(*role); {
	case !db.ValidUsername(name):
		return invalid("--username", "err.username.format")
	case !r.Valid():
		return invalid("--role", "err.role.invalid")
	case r != db.RoleAdmin && *store == "" && *group == "" && !*allStores:
		return invalid("--store", "err.store.required")
	case r == db.RoleCashier && (*group != "" || *allStores):
		return invalid("--group", "groups.err.cashier")
	case r != db.RoleAdmin && countSet(*store != "", *group != "", *allStores) > 1:
		return usageError(stdout, "user add takes one of --store, --group and --all-stores")
	}
	var groupID int64
	if *group != "" && db.Role(*role) != db.RoleAdmin {
		g, err := d.GetStoreGroupByName(ctx, *group)
		if errors.Is(err, db.ErrNotFound) {
			return invalid("--group", "groups.err.unknown")
		}
		if err != nil {
			return err
		}
		groupID = g.ID
	}
	pw, err := readPassword(stdin, stdout)
	if err != nil {
		return err
	}
	hash, err := db.HashPassword(pw)
	if err != nil {
		return err
	}
	u, err := d.CreateUser(ctx, db.CLI, db.NewUser{Username: name, DisplayName: shown, Role: db.Role(*role), StoreID: *store, GroupID: groupID,
		AllStores: *allStores, PasswordHash: hash})
	switch {
	case errors.Is(err, db.ErrExists):
		return invalid("--username", "err.username.taken")
	case errors.Is(err, db.ErrNotFound):
		return fmt.Errorf("--store %s: no such store; create it with `instore terminal add` first", *store)
	case err != nil:
		return err
	}
	fmt.Fprintf(stdout, "created user %s (%s)\n", u.Username, u.Role)
	return nil
}

func cliUserPasswd(ctx context.Context, d *db.DB, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return usageError(stdout, "user passwd takes exactly one username")
	}
	u, err := d.GetUserByUsername(ctx, strings.ToLower(args[0]))
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("no user %q", args[0])
	}
	if err != nil {
		return err
	}
	pw, err := readPassword(stdin, stdout)
	if err != nil {
		return err
	}
	hash, err := db.HashPassword(pw)
	if err != nil {
		return err
	}
	if _, err := d.SetUserPassword(ctx, db.CLI, u.ID, hash); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "password of %s changed; their sessions have ended\n", u.Username)
	return nil
}

func cliTerminalAdd(ctx context.Context, d *db.DB, cfg config.Config, args []string, stdout io.Writer) error {
	fs := newFlags("terminal add")
	storeID := fs.String("store-id", "", "")
	storeName := fs.String("store-name", "", "")
	terminalID := fs.String("terminal-id", "", "")
	label := fs.String("label", "", "")
	sourceType := fs.String("source-type", "", "")
	methodList := fs.String("methods", "", "")
	confirmText := fs.String("confirm-above", "", "")
	if err := fs.Parse(args); err != nil {
		return usageError(stdout, "terminal add: %v", err)
	}
	if fs.NArg() > 0 || *storeID == "" || *storeName == "" || *terminalID == "" {
		return usageError(stdout, "terminal add needs --store-id, --store-name and --terminal-id")
	}
	switch {
	case !db.ValidStoreID(*storeID):
		return invalid("--store-id", "err.store_id.format")
	case !db.ValidStoreName(*storeName):
		return invalid("--store-name", "err.store_name.format")
	case !db.ValidTerminalID(*terminalID):
		return invalid("--terminal-id", "err.terminal_id.format")
	case !db.ValidLabel(*label):
		return invalid("--label", "err.label.format")
	}
	var methods []string
	for _, m := range strings.Split(*methodList+","+*sourceType, ",") {
		if m = strings.TrimSpace(m); m != "" {
			methods = append(methods, m)
		}
	}
	if len(methods) > 0 {
		var ok bool
		if methods, ok = payments.StoreMethods(methods); !ok && *methodList == "" {
			return invalid("--source-type", "err.source_type.invalid")
		} else if !ok {
			return invalid("--methods", "err.source_type.invalid")
		}
	}
	confirm, err := money.ParseBaht(*confirmText)
	if *confirmText != "" && (err != nil || !db.ValidConfirmAbove(confirm)) {
		return invalid("--confirm-above", "err.confirm_above.format")
	}
	st := db.Store{StoreID: *storeID, StoreName: *storeName, Methods: methods, ConfirmAbove: confirm}
	old, err := d.GetStore(ctx, *storeID)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return err
	}
	// An existing store keeps its methods and threshold unless told otherwise.
	if len(st.Methods) == 0 {
		st.Methods = []string{cfg.SourceType}
		if old != nil {
			st.Methods = old.Methods
		}
	}
	if *confirmText == "" {
		st.ConfirmAbove = db.DefaultConfirmAbove
		if old != nil {
			st.ConfirmAbove = old.ConfirmAbove
		}
	}
	if _, err := d.UpsertStore(ctx, db.CLI, st); errors.Is(err, db.ErrExists) {
		// Another store's id in other capitals: a new store would be taken
		// for that one.
		return invalid("--store-id", "err.store_id.taken")
	} else if err != nil {
		return err
	}
	_, err = d.CreateTerminal(ctx, db.CLI, db.Terminal{StoreID: *storeID, TerminalID: *terminalID, Label: *label})
	if errors.Is(err, db.ErrExists) {
		return invalid("--terminal-id", "err.terminal_id.taken")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added terminal %s to store %s (%s, %s, confirm above %s)\n", *terminalID, *storeID, *storeName,
		strings.Join(st.Methods, "+"), money.FormatTHB(st.ConfirmAbove))
	return nil
}

// readPassword reads one line from stdin. On an interactive terminal it
// prompts first (the input is echoed: prefer piping it in).
func readPassword(stdin io.Reader, stdout io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(stdout, "password (at least 10 characters): ")
		}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if !db.ValidPassword(pw) {
		return "", invalid("password (stdin)", "err.password.length")
	}
	return pw, nil
}
