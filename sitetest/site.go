package sitetest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The site. A scenario tests the runbooks of a site directory: by
// default the directory above the scenario's own (DIR for
// DIR/tests/x.txtar), or the one --site names. When it holds a runbook
// (a *.star file at its top), each scenario gets a fresh copy of it in
// $WORK/site, so that `exec runbook run site/nfs-bond.star` runs the
// site's runbook and a scenario may edit its copy freely. Hidden entries
// and the scenarios' directory are left out; a file the scenario's
// archive has under site/ wins over the site's.

// Bounds of a site copy: a site is a few runbooks and parameter files.
const (
	maxSiteFiles = 2000
	maxSiteBytes = 32 << 20
)

// siteFiles lists the files of a site to copy, relative to it, or says
// why it cannot be copied. A directory without a *.star file at its top
// is no site: nil, no problem.
func siteFiles(dir string, skip []string) ([]string, error) {
	stars, _ := filepath.Glob(filepath.Join(dir, "*.star"))
	if len(stars) == 0 {
		return nil, nil
	}
	var files []string
	var size int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			for _, s := range skip {
				if same(p, s) {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		size += fi.Size()
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files = append(files, rel)
		if len(files) > maxSiteFiles || size > maxSiteBytes {
			return fmt.Errorf("more than %d files or %d MiB: name the directory of the runbooks with --site DIR", maxSiteFiles, maxSiteBytes>>20)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("site %s: %w", dir, err)
	}
	return files, nil
}

// same reports whether two paths name the same directory.
func same(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// copySite copies the listed files of dir into dst, leaving alone the
// files dst already has (the scenario's own, from its archive).
func copySite(dir string, files []string, dst string) error {
	for _, rel := range files {
		to := filepath.Join(dst, rel)
		if _, err := os.Lstat(to); err == nil {
			continue
		}
		from := filepath.Join(dir, rel)
		data, err := os.ReadFile(from)
		if err != nil {
			return fmt.Errorf("copy the site: %w", err)
		}
		fi, err := os.Stat(from)
		if err != nil {
			return fmt.Errorf("copy the site: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return fmt.Errorf("copy the site: %w", err)
		}
		if err := os.WriteFile(to, data, fi.Mode().Perm()); err != nil {
			return fmt.Errorf("copy the site: %w", err)
		}
	}
	return nil
}
