package sim

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// The xe client removes its connection options and sends the rest to the
// CLI server in xapi, which parses the command line, runs the command and
// prints. The simulator does both halves in one process.

// xeErr is a failed xe command: the lines printed on stderr (or, for the
// --multiple failure report, on stdout), exit status 1.
type xeErr struct {
	lines  []string
	stdout bool
}

func (e *xeErr) Error() string { return strings.Join(e.lines, "\n") }

// paramErr is the CLI server's param_error: "<kind>: <detail>" and the
// hint to run xe help.
func paramErr(kind, detail string) error {
	return &xeErr{lines: []string{kind + ": " + detail, "For usage run: 'xe help'"}}
}

// cliErr is a CLI failure, printed as "Error: <message>".
func cliErr(format string, args ...any) error {
	return &xeErr{lines: []string{"Error: " + fmt.Sprintf(format, args...)}}
}

// apiError describes an API error known to the datamodel: its doc line and
// the names of its parameters.
type apiError struct {
	doc    string
	params []string
}

// apiErrors holds the doc texts of the errors the simulated commands
// raise, worded as in xapi's datamodel_errors.ml; apiErrorsNet has those of
// guests, VLANs, tunnels, SR-IOV, HA and evacuation.
var apiErrors = map[string]apiError{
	"UUID_INVALID":                     {"The uuid you supplied was invalid.", []string{"type", "uuid"}},
	"PIF_IS_MANAGEMENT_IFACE":          {"The operation you requested cannot be performed because the specified PIF is the management interface.", []string{"PIF"}},
	"PIF_DOES_NOT_ALLOW_UNPLUG":        {"The operation you requested cannot be performed because the specified PIF does not allow unplug.", []string{"PIF"}},
	"PIF_ALREADY_BONDED":               {"This operation cannot be performed because the pif is bonded.", []string{"PIF"}},
	"CANNOT_PLUG_BOND_SLAVE":           {"This PIF is a bond member and cannot be plugged.", []string{"PIF"}},
	"PIF_HAS_NO_NETWORK_CONFIGURATION": {"PIF has no IP configuration (mode currently set to 'none')", []string{"PIF"}},
	"PIF_UNMANAGED":                    {"The operation you requested cannot be performed because the specified PIF is not managed by xapi.", []string{"PIF"}},
	"INVALID_IP_ADDRESS_SPECIFIED":     {"A required parameter contained an invalid IP address", []string{"parameter"}},
	"PIF_CANNOT_BOND_CROSS_HOST":       {"You cannot bond interfaces across different servers.", nil},
	"PIF_BOND_MORE_THAN_ONE_IP":        {"Only one PIF on a bond is allowed to have an IP configuration.", nil},
	"INCOMPATIBLE_PIF_PROPERTIES":      {"These PIFs cannot be bonded, because their properties are different.", nil},
	"NETWORK_ALREADY_CONNECTED":        {"You tried to create a PIF, but the network you tried to attach it to is already attached to some other PIF, and so the creation failed.", []string{"network", "connected PIF"}},
	"INTERNAL_ERROR":                   {"The server failed to handle your request, due to an internal error. The given message may give details useful for debugging the problem.", []string{"message"}},
	"MAC_INVALID":                      {"The MAC address specified is not valid.", []string{"MAC"}},
	"DUPLICATE_PIF_DEVICE_NAME":        {"A PIF with this specified device name already exists.", []string{"device"}},
	"COULD_NOT_FIND_NETWORK_INTERFACE_WITH_SPECIFIED_DEVICE_NAME_AND_MAC_ADDRESS": {"Could not find a network interface with the specified device name and MAC address.", []string{"device", "mac"}},
	"INVALID_VALUE":                {"The value given is invalid", []string{"field", "value"}},
	"BRIDGE_NAME_EXISTS":           {"The specified bridge already exists.", []string{"bridge"}},
	"NO_HOSTS_AVAILABLE":           {"There were no servers available to complete the specified operation.", nil},
	"HOST_OFFLINE":                 {"You attempted an operation which involves a host which could not be contacted.", []string{"host"}},
	"HOST_STILL_BOOTING":           {"The host toolstack is still initialising. Please wait.", nil},
	"MAP_DUPLICATE_KEY":            {"You tried to add a key-value pair to a map, but that key is already there.", []string{"type", "param_name", "uuid", "key"}},
	"CANNOT_CHANGE_PIF_PROPERTIES": {"This properties of this PIF cannot be changed. Only the properties of non-bonded physical PIFs, or bond masters can be changed.", []string{"PIF"}},
}

// apiErr renders an API error the way the CLI server does: the doc line
// and one "name: value" line per parameter, or the raw code and
// parameters for an error the datamodel does not describe.
//
// Like cli_util.ml get_server_error, it pairs the values with the names
// the datamodel declares: a missing value prints as "<name>: <unknown>",
// a value beyond the declared names as "<extra>: <value>".
func apiErr(code string, params ...string) error {
	e, ok := apiErrors[code]
	if !ok {
		e, ok = apiErrorsNet[code]
	}
	if !ok {
		return &xeErr{lines: []string{"Error code: " + code, "Error parameters: " + strings.Join(params, ", ")}}
	}
	lines := []string{e.doc}
	for i := 0; i < max(len(e.params), len(params)); i++ {
		switch {
		case i >= len(params):
			lines = append(lines, e.params[i]+": <unknown>")
		case i >= len(e.params):
			lines = append(lines, "<extra>: "+params[i])
		default:
			lines = append(lines, e.params[i]+": "+params[i])
		}
	}
	return &xeErr{lines: lines}
}

func uuidInvalid(table, uuid string) error { return apiErr("UUID_INVALID", table, uuid) }

// stdParams are never filters (cli_operations.ml stdparams).
var stdParams = []string{"server", "password", "port", "username", "minimal", "force", "multiple", "all", "message-priority", "trace"}

// clientKeys are connection settings the client takes out of argv.
var clientKeys = []string{"server", "port", "username", "password", "passwordfile", "nossl", "debug", "debugonfail", "traceparent"}

// xeArgs is argv after the client: the command, its parameters in order,
// and what the client itself must do.
type xeArgs struct {
	usage, version bool
	syntaxErr      bool
	cmd            string
	params         []kv
}

// parseXeArgs splits argv the way xe and the CLI server do.
func parseXeArgs(args []string) xeArgs {
	var a xeArgs
	var rest []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch arg {
		case "-s", "-p", "-u", "-pw", "-pwf", "-h", "--traceparent":
			if i+1 >= len(args) {
				a.syntaxErr = true
			}
			i++
			continue
		case "--nossl", "--debug", "--debug-on-fail":
			continue
		case "-version":
			a.version = true
			return a
		case "--help", "-help":
			a.usage = true
			return a
		}
		if k, _, ok := strings.Cut(arg, "="); ok && !strings.HasPrefix(arg, "-") && slices.Contains(clientKeys, k) {
			continue
		}
		rest = append(rest, arg)
	}
	if len(rest) == 0 {
		if !a.syntaxErr {
			a.usage = true
		}
		return a
	}
	a.cmd = rest[0]
	if strings.Contains(a.cmd, "=") {
		a.syntaxErr = true
	}
	for _, arg := range rest[1:] {
		switch {
		case strings.HasPrefix(arg, "--"):
			a.params = append(a.params, kv{arg[2:], "true"})
		case strings.HasPrefix(arg, "-"):
			// The client removed every switch it knows.
			a.syntaxErr = true
		default:
			k, v, _ := strings.Cut(arg, "=")
			a.params = append(a.params, kv{k, v})
		}
	}
	return a
}

const xeUsage = `Usage: xe <command> [-s server] [-p port] ([-u user] [-pw password] or [-pwf <password file>]) [--traceparent traceparent] <other arguments>

A full list of commands can be obtained by running
	xe help -s <server> -p <port>
`

// xe runs the xe program.
func (p *proc) xe(args []string) int {
	a := parseXeArgs(args)
	switch {
	case a.usage:
		io.WriteString(p.stderr, xeUsage)
		return 0
	case a.version:
		io.WriteString(p.stdout, "ThinCLI protocol: 0.2\n")
		return 0
	}
	if err := p.xapiReachable(); err != nil {
		var xe *xeErr
		errors.As(err, &xe)
		io.WriteString(p.stderr, strings.Join(xe.lines, "\n")+"\n")
		return 1
	}
	x := &xeCall{p: p, m: p.m, cmd: a.cmd, params: a.params, pr: &printer{}}
	err := x.exec(a)
	io.WriteString(p.stdout, x.pr.out.String())
	if err != nil {
		var xe *xeErr
		if !errors.As(err, &xe) {
			xe = &xeErr{lines: []string{"Error: " + err.Error()}}
		}
		w := p.stderr
		if xe.stdout {
			w = p.stdout
		}
		io.WriteString(w, strings.Join(xe.lines, "\n")+"\n")
		return 1
	}
	return 0
}

// xeCall is one xe command being served.
type xeCall struct {
	p      *proc
	m      *model
	cmd    string
	params []kv
	pr     *printer
}

func (x *xeCall) exec(a xeArgs) error {
	if a.syntaxErr {
		return paramErr("Syntax error", "")
	}
	if v, ok := x.param("minimal"); ok {
		switch v {
		case "true":
			x.pr.minimal = true
		case "false":
		default:
			return apiErr("INTERNAL_ERROR", `Invalid_argument("bool_of_string")`)
		}
	}
	if x.cmd == "help" {
		x.help()
		x.pr.flush()
		return nil
	}
	c := x.command(x.cmd)
	if c == nil {
		return paramErr("Unknown command", x.cmd)
	}
	for _, r := range c.reqd {
		if _, ok := x.param(r); !ok {
			return paramErr("Required parameter not found", r)
		}
	}
	if err := x.checkForwarded(); err != nil {
		return err
	}
	if err := c.run(x); err != nil {
		return err
	}
	x.pr.flush()
	return nil
}

// param returns the first value given for name.
func (x *xeCall) param(name string) (string, bool) {
	for _, p := range x.params {
		if p.K == name {
			return p.V, true
		}
	}
	return "", false
}

func (x *xeCall) paramOr(name, def string) string {
	if v, ok := x.param(name); ok {
		return v
	}
	return def
}

// boolParam reads a boolean option the way get_bool_param does.
func (x *xeCall) boolParam(name string) (bool, error) {
	v, ok := x.param(name)
	if !ok {
		return false, nil
	}
	switch strings.ToLower(v) {
	case "true", "t", "yes", "y", "1":
		return true, nil
	case "false", "f", "no", "n", "0":
		return false, nil
	}
	return false, cliErr("Failed to parse parameter '%s': Expected 'true','t','yes','y','1','false','f','no','n','0' got %s", name, v)
}

// xeCommand is one entry of the command table.
type xeCommand struct {
	name     string
	reqd     []string
	optn     []string
	help     string
	standard bool
	run      func(x *xeCall) error
}

func (x *xeCall) command(name string) *xeCommand {
	for _, c := range x.commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

// commands is the command table: the generated commands of each class
// and the networking and host commands.
func (x *xeCall) commands() []*xeCommand {
	cmds := specialCommands()
	for _, cl := range classes() {
		cmds = append(cmds, x.generated(cl)...)
	}
	return cmds
}

func specialCommands() []*xeCommand {
	return append([]*xeCommand{
		{name: "host-disable", help: "Disable the XE host.", run: hostOp(hostDisable)},
		{name: "host-enable", help: "Enable the XE host.", run: hostOp(hostEnable)},
		{name: "host-evacuate", optn: []string{"network-uuid", "batch-size"}, help: "Migrate all VMs off a host.", run: hostEvacuate},
		{name: "host-management-reconfigure", reqd: []string{"pif-uuid"}, help: "Reconfigure the management interface of this node: only use if the node is in emergency mode.", run: hostManagementReconfigure},
		{name: "network-create", reqd: []string{"name-label"}, optn: []string{"name-description", "MTU", "bridge", "managed"}, help: "Create a new network.", run: networkCreate},
		{name: "pif-forget", reqd: []string{"uuid"}, help: "Destroy a PIF object on a particular host.", run: pifForget},
		{name: "pif-scan", reqd: []string{"host-uuid"}, help: "Scan for new physical interfaces on a host.", run: pifScan},
		{name: "pif-plug", reqd: []string{"uuid"}, help: "Attempt to bring up a network interface.", run: pifPlug},
		{name: "pif-unplug", reqd: []string{"uuid"}, help: "Attempt to bring down a network interface.", run: pifUnplug},
		{name: "pif-reconfigure-ip", reqd: []string{"uuid", "mode"}, optn: []string{"IP", "netmask", "gateway", "DNS"}, help: "Reconfigure the IP address settings on a PIF.", run: pifReconfigureIP},
		{name: "pif-introduce", reqd: []string{"host-uuid", "device"}, optn: []string{"mac", "managed"}, help: "Create a new PIF object representing a physical interface on a host.", run: pifIntroduce},
		{name: "bond-create", reqd: []string{"network-uuid", "pif-uuids"}, optn: []string{"mac", "mode", "properties:"}, help: "Create a bonded interface from a list of existing PIF objects.", run: bondCreate},
		{name: "bond-destroy", reqd: []string{"uuid"}, help: "Destroy a bonded interface.", run: bondDestroy},
		{name: "bond-set-mode", reqd: []string{"uuid", "mode"}, help: "Change the bond mode.", run: bondSetMode},
	}, netCommands()...)
}

// help serves `xe help [command ...]`.
func (x *xeCall) help() {
	var topics []string
	for _, p := range x.params {
		if !slices.Contains([]string{"server", "username", "password", "port", "minimal", "all"}, p.K) {
			topics = append(topics, p.K)
		}
	}
	cmds := x.commands()
	if len(topics) > 0 {
		for _, t := range topics {
			c := x.command(t)
			if c == nil {
				x.pr.list("Unknown command '" + t + "'")
				continue
			}
			x.pr.table([][]pfield{{
				{"command name        ", c.name},
				{"reqd params     ", strings.Join(c.reqd, ", ")},
				{"optional params ", strings.Join(c.optn, ", ")},
				{"description     ", c.help},
			}})
		}
		return
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	all, _ := x.param("all")
	var names []string
	for _, c := range cmds {
		if all == "true" || c.standard {
			names = append(names, c.name)
		}
	}
	if x.pr.minimal {
		x.pr.list(names...)
		return
	}
	h := "Usage: xe <command> [-s server] [-pw passwd] [-p port] [-u user] [-pwf password-file]\n" +
		"  [command specific arguments]\n\n" +
		"To get help on a specific command: xe help <command>\n"
	if all == "true" {
		x.pr.list(h + "\nFull command list\n-----------------")
		var hostCmds, vmCmds, other []string
		for _, n := range names {
			switch {
			case strings.HasPrefix(n, "host-"):
				hostCmds = append(hostCmds, n)
			case strings.HasPrefix(n, "vm-"):
				vmCmds = append(vmCmds, n)
			default:
				other = append(other, n)
			}
		}
		x.pr.list(wrapList(hostCmds)...)
		x.pr.list(wrapList([]string{""})...)
		x.pr.list(wrapList(vmCmds)...)
		x.pr.list(wrapList([]string{""})...)
		x.pr.list(wrapList(other)...)
		return
	}
	x.pr.list(h + "To get a full listing of commands: xe help --all\n\nCommon command list\n-------------------")
	x.pr.list(wrapList(names)...)
}

// wrapList joins names with ", " into indented lines of about 74 columns.
func wrapList(names []string) []string {
	if len(names) == 0 {
		return []string{"    "}
	}
	const indent = "    "
	var lines []string
	cur := indent + names[0]
	for _, n := range names[1:] {
		if len(cur)+len(n) > 74 {
			lines = append(lines, cur)
			cur = indent + n
		} else {
			cur += ", " + n
		}
	}
	return append(lines, cur)
}
