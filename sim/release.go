package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// release describes one dom0 release the simulator can pretend to be.
// The version strings are plausible values for each product line; the
// xapi version decides which xapi behaviours the release has (the tag of
// xen-api that brought each one), and the behaviour flags the rest.
type release struct {
	Name            string
	Aliases         []string
	Brand           string
	ProductVersion  string
	VersionShort    string
	PlatformName    string
	PlatformVersion string
	BuildNumber     string
	// Xapi is the xapi version, as software-version shows it: 1.x
	// before the calendar versions, then YY.N.
	Xapi  string
	Xen   string
	Linux string
	// HasSwitch is false once xe-switch-network-backend was removed
	// (xen-api v26.15.0, XenServer 9).
	HasSwitch bool
	// CleansIfcfg is true for the versions of xe-switch-network-backend
	// that delete every ifcfg-* but ifcfg-lo (up to 2019).
	CleansIfcfg bool
	// ForceOVS is true where the backend is always Open vSwitch
	// whatever network.conf says (XenServer 9).
	ForceOVS bool
}

// DefaultRelease is the release of a pool made without one.
const DefaultRelease = "8.3"

// releaseOrder lists the profiles oldest first.
var releaseOrder = []string{"7.1", "7.6", "8.2", "8", "8.3", "9"}

var releases = map[string]release{
	"7.1": {
		Name: "7.1", Brand: "XenServer", ProductVersion: "7.1.2", VersionShort: "7.1",
		PlatformName: "XCP", PlatformVersion: "2.2.2", BuildNumber: "release/ely/master/137",
		Xapi: "1.14", Xen: "4.7.6-6.11", Linux: "4.4.0+2",
		HasSwitch: true, CleansIfcfg: true,
	},
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
	"8": {
		Name: "8", Aliases: []string{"8.4"}, Brand: "XenServer", ProductVersion: "8.4.0", VersionShort: "8",
		PlatformName: "XCP", PlatformVersion: "3.4.0", BuildNumber: "release/nile/master/112",
		Xapi: "25.33", Xen: "4.17.5-20", Linux: "4.19.0+1",
		HasSwitch: true,
	},
	"8.3": {
		Name: "8.3", Brand: "XCP-ng", ProductVersion: "8.3.0", VersionShort: "8.3",
		PlatformName: "XCP", PlatformVersion: "3.4.0", BuildNumber: "cloud",
		Xapi: "25.33", Xen: "4.17.5-13", Linux: "4.19.0+1",
		HasSwitch: true,
	},
	"9": {
		Name: "9", Brand: "XenServer", ProductVersion: "9.0.0", VersionShort: "9",
		PlatformName: "XCP", PlatformVersion: "4.0.0", BuildNumber: "release/xs9/master/1",
		Xapi: "26.15", Xen: "4.19.2-1", Linux: "4.19.0+1",
		HasSwitch: false, ForceOVS: true,
	},
}

// releaseNames lists the names -release accepts, oldest first.
func releaseNames() string {
	var names []string
	for _, n := range releaseOrder {
		names = append(names, n)
		names = append(names, releases[n].Aliases...)
	}
	return strings.Join(names, ", ")
}

// ReleaseHelp is one line per release profile, for help texts.
func ReleaseHelp() string {
	var b strings.Builder
	for _, n := range releaseOrder {
		r := releases[n]
		name := n
		if len(r.Aliases) > 0 {
			name += " (" + strings.Join(r.Aliases, ", ") + ")"
		}
		fmt.Fprintf(&b, "  %-9s %s %s, xapi %s, kernel %s%s\n", name, r.Brand, r.ProductVersion, r.Xapi, r.Linux, r.note())
	}
	return b.String()
}

func (r release) note() string {
	var notes []string
	if !r.HasSwitch {
		notes = append(notes, "no xe-switch-network-backend, always openvswitch")
	} else if r.CleansIfcfg {
		notes = append(notes, "xe-switch-network-backend deletes ifcfg files")
	}
	if len(notes) == 0 {
		return ""
	}
	return "; " + strings.Join(notes, "; ")
}

func lookupRelease(name string) (release, error) {
	if r, ok := releases[name]; ok {
		return r, nil
	}
	for _, r := range releases {
		if slices.Contains(r.Aliases, name) {
			return r, nil
		}
	}
	return release{}, fmt.Errorf("release: got %q, want one of %s", name, releaseNames())
}

// xapiAtLeast reports whether the release's xapi is at least major.minor
// (a calendar version: the 1.x versions come before all of them).
func (r release) xapiAtLeast(major, minor int) bool {
	maj, min := splitVersion(r.Xapi)
	if maj == 1 {
		return false
	}
	return maj > major || maj == major && min >= minor
}

// kernelAtLeast reports whether the dom0 kernel is at least major.minor.
func (r release) kernelAtLeast(major, minor int) bool {
	maj, min := splitVersion(r.Linux)
	return maj > major || maj == major && min >= minor
}

func splitVersion(v string) (int, int) {
	parts := strings.FieldsFunc(v, func(c rune) bool { return c == '.' || c == '+' || c == '-' })
	num := func(i int) int {
		if i >= len(parts) {
			return 0
		}
		n, _ := strconv.Atoi(parts[i])
		return n
	}
	return num(0), num(1)
}

// Behaviours by xapi version (xen-api tags).

// pifListMAC: pif-list's default fields include MAC and host-uuid from
// v23.31.0 (commits 07903c083d and 4825a17cea).
func (r release) pifListMAC() bool { return r.xapiAtLeast(23, 31) }

// hasAutoEnable: host-disable takes auto-enable from v25.31.0 (commit
// cf5be62226); older xapi ignores the parameter, as any unknown one.
func (r release) hasAutoEnable() bool { return r.xapiAtLeast(25, 31) }

// routeUID: kernels from 4.10 return the uid of a route lookup, which ip
// route get prints.
func (r release) routeUID() bool { return r.kernelAtLeast(4, 10) }

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
