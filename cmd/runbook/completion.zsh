#compdef runbook
# zsh completion for runbook. Load it with: source <(runbook completion zsh)
# (after compinit), or save it as _runbook in a directory of $fpath.
# It asks the runbook binary on the line what fits: runbook __complete WORDS...

_runbook() {
    local -a out cands nospace
    local c
    out=("${(@f)$(${words[1]} __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    for c in "${(@)out[2,-1]}"; do
        [[ -z $c ]] && continue
        if [[ $c == *= ]]; then nospace+=("$c"); else cands+=("$c"); fi
    done
    (( ${#cands} )) && compadd -- "${cands[@]}"
    (( ${#nospace} )) && compadd -S '' -- "${nospace[@]}"
    case ${out[1]} in
    :files) _files ;;
    :dirs) _files -/ ;;
    esac
    return 0
}

if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
    _runbook "$@"
else
    (( $+functions[compdef] )) || { autoload -Uz compinit && compinit; }
    compdef _runbook runbook
fi
