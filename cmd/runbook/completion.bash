# bash completion for runbook. Load it with: source <(runbook completion bash)
# It asks the runbook binary on the line what fits: runbook __complete WORDS...

_runbook() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    local line=${COMP_LINE:0:COMP_POINT}
    local -a words
    read -r -a words <<<"$line"
    [[ $line =~ [[:space:]]$ ]] && words+=("")
    local word=${words[${#words[@]}-1]}
    # bash splits words at = and :; it replaces only what follows the break.
    local prefix=${word%"$cur"}
    local prog=${COMP_WORDS[0]}
    [[ $prog == "~/"* ]] && prog=$HOME/${prog#"~/"}
    local IFS=$'\n'
    local -a out
    out=($(command "$prog" __complete "${words[@]:1}" 2>/dev/null))
    local directive=${out[0]}
    COMPREPLY=()
    local c nospace=
    for c in "${out[@]:1}"; do
        COMPREPLY+=("${c#"$prefix"}")
        [[ $c == *= ]] && nospace=1
    done
    [[ -n $nospace ]] && compopt -o nospace 2>/dev/null
    case $directive in
    :files)
        compopt -o filenames 2>/dev/null
        COMPREPLY+=($(compgen -f -- "$cur"))
        ;;
    :dirs)
        compopt -o filenames 2>/dev/null
        COMPREPLY+=($(compgen -d -- "$cur"))
        ;;
    esac
    return 0
}

complete -F _runbook runbook
