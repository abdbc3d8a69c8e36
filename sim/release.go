package sim

import (
	"fmt"
	"sort"
	"strings"
)

// release describes one dom0 release the simulator can pretend to be.
// The version strings are plausible values for each product line; only
// the behaviour flags change what the programs do.
type release struct {
	Name            string
	Brand           string
	ProductVersion  string
	VersionShort    string
	PlatformName    string
	PlatformVersion string
	BuildNumber     string
	Xapi            string
	Xen             string
	Linux           string
	// HasSwitch is false once xe-switch-network-backend was removed
	// (XenServer 9).
	HasSwitch bool
	// CleansIfcfg is true for the versions of xe-switch-network-backend
	// that delete every ifcfg-* but ifcfg-lo (up to 2019).
	CleansIfcfg bool
}

var releases = map[string]release{
	"7.6": {
		Name: "7.6", Brand: "XenServer", ProductVersion: "7.6.0", VersionShort: "7.6",
		PlatformName: "XCP", PlatformVersion: "2.7.0", BuildNumber: "release/lima/master/21",
		Xapi: "1.110", Xen: "4.11.0-7.2", Linux: "4.4.0+10",
		HasSwitch: true, CleansIfcfg: true,
	},
	"8.2": {
		Name: "8.2", Brand: "Citrix Hypervisor", ProductVersion: "8.2.1", VersionShort: "8.2",
		PlatformName: "XCP", PlatformVersion: "3.2.1", BuildNumber: "release/yangtze/master/58",
		Xapi: "1.249", Xen: "4.13.5-9.38", Linux: "4.19.0+1",
		HasSwitch: true,
	},
	"8.3": {
		Name: "8.3", Brand: "XCP-ng", ProductVersion: "8.3.0", VersionShort: "8.3",
		PlatformName: "XCP", PlatformVersion: "3.4.0", BuildNumber: "cloud",
		Xapi: "25.6", Xen: "4.17.5-13", Linux: "4.19.0+1",
		HasSwitch: true,
	},
	"9": {
		Name: "9", Brand: "XenServer", ProductVersion: "9.0.0", VersionShort: "9",
		PlatformName: "XCP", PlatformVersion: "4.0.0", BuildNumber: "release/xs9/master/1",
		Xapi: "26.15", Xen: "4.19.2-1", Linux: "4.19.0+1",
		HasSwitch: false,
	},
}

func releaseNames() string {
	var names []string
	for n := range releases {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func lookupRelease(name string) (release, error) {
	r, ok := releases[name]
	if !ok {
		return release{}, fmt.Errorf("release: got %q, want one of %s", name, releaseNames())
	}
	return r, nil
}

// softwareVersion is a host's software-version map, in the order xapi
// fills it, with network_backend set to the running backend.
func (r release) softwareVersion(backend string) []kv {
	return []kv{
		{"product_version", r.ProductVersion},
		{"product_version_text", r.VersionShort},
		{"product_version_text_short", r.VersionShort},
		{"platform_name", r.PlatformName},
		{"platform_version", r.PlatformVersion},
		{"product_brand", r.Brand},
		{"build_number", r.BuildNumber},
		{"hostname", "localhost"},
		{"date", "2024-01-01"},
		{"dbv", "0.0.1"},
		{"xapi", r.Xapi},
		{"xen", r.Xen},
		{"linux", r.Linux},
		{"xencenter_min", "2.21"},
		{"xencenter_max", "2.21"},
		{"network_backend", backend},
		{"db_schema", "5.602"},
	}
}
