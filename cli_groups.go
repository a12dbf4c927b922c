package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"instore/db"
)

// cliGroup runs "group add|list|set-stores|remove".
func cliGroup(ctx context.Context, d *db.DB, verb string, args []string, stdout io.Writer) error {
	fs := newFlags("group " + verb)
	name := fs.String("name", "", "")
	stores := fs.String("stores", "", "")
	rename := fs.String("rename", "", "")
	if err := fs.Parse(args); err != nil {
		return usageError(stdout, "group %s: %v", verb, err)
	}
	if fs.NArg() > 0 {
		return usageError(stdout, "group %s: unexpected %q", verb, fs.Arg(0))
	}
	if verb == "list" {
		return cliGroupList(ctx, d, stdout)
	}
	if *name == "" {
		return usageError(stdout, "group %s needs --name", verb)
	}
	ids, err := storeList(*stores)
	if err != nil {
		return err
	}
	switch verb {
	case "add":
		if !db.ValidGroupName(*name) {
			return invalid("--name", "groups.err.name")
		}
		g, err := d.CreateStoreGroup(ctx, db.CLI, *name, ids)
		if err := groupCLIError(err); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created group %q with stores %s\n", g.Name, strings.Join(g.Stores, ","))
		return nil
	case "set-stores":
		g, err := d.GetStoreGroupByName(ctx, *name)
		if errors.Is(err, db.ErrNotFound) {
			return invalid("--name", "groups.err.unknown")
		}
		if err != nil {
			return err
		}
		newName := g.Name
		if *rename != "" {
			if !db.ValidGroupName(*rename) {
				return invalid("--rename", "groups.err.name")
			}
			newName = *rename
		}
		if *stores == "" && *rename == "" {
			return usageError(stdout, "group set-stores needs --stores or --rename")
		}
		if *stores == "" {
			ids = g.Stores
		}
		g, err = d.UpdateStoreGroup(ctx, db.CLI, g.ID, newName, ids)
		if err := groupCLIError(err); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "group %q now has stores %s; its users see them from their next request\n", g.Name, strings.Join(g.Stores, ","))
		return nil
	default: // remove
		g, err := d.GetStoreGroupByName(ctx, *name)
		if err != nil {
			if errors.Is(err, db.ErrNotFound) {
				return invalid("--name", "groups.err.unknown")
			}
			return err
		}
		if err := groupCLIError(d.DeleteStoreGroup(ctx, db.CLI, g.ID)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed group %q\n", g.Name)
		return nil
	}
}

func cliGroupList(ctx context.Context, d *db.DB, stdout io.Writer) error {
	groups, err := d.ListStoreGroups(ctx)
	if err != nil {
		return err
	}
	for _, g := range groups {
		fmt.Fprintf(stdout, "%s\tstores=%s\tusers=%d\n", g.Name, strings.Join(g.Stores, ","), g.Users)
	}
	return nil
}

// storeList reads --stores a,b,c (spaces allowed around the commas).
func storeList(s string) ([]string, error) {
	var out []string
	for _, id := range strings.Split(s, ",") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if !db.ValidStoreID(id) {
			return nil, invalid("--stores", "groups.err.store_unknown")
		}
		out = append(out, id)
	}
	return out, nil
}

// groupCLIError words a store-group write error for the command line.
func groupCLIError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, db.ErrExists):
		return invalid("--name", "groups.err.name_taken")
	case errors.Is(err, db.ErrGroupInUse):
		return invalid("--name", "groups.err.in_use")
	case errors.Is(err, db.ErrNotFound):
		return invalid("--stores", "groups.err.store_unknown")
	}
	return err
}

// countSet counts the true values (scope flags given).
func countSet(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
