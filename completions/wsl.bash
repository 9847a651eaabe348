# bash completion for wsl (wsl for Linux)                            -*- shell-script -*-
# Installed as share/bash-completion/completions/wsl. Works with bash-completion loaded (uses
# _init_completion, _filedir, _command_offset) and without it (compgen -f / -d / -c).
#
# The grammar is wsl.exe's: run options (-d, -u, --cd, ...), then either a management verb
# (--list, --install, --export, ...) with its own options and operands, or a command line
# (-e/--exec CMD..., -- CMD... or a bare CMD...), after which wsl's own options end.
#
# Distribution names come from `wsl -l -q` (--running for --terminate) and catalog names from
# `wsl -l -o -q --offline`, which never touches the network. A call that fails (no service,
# no distros) completes nothing and prints nothing.

# _wsl_names [ARGS...]: names printed by `wsl ARGS`, one per line, nothing on any failure.
_wsl_names() {
    local out
    if [[ $1 != --catalog ]]; then
        # Without a listening socket a root `wsl` would start the service: don't, just for a
        # completion.
        [[ -S ${WSL_SERVICE_SOCKET:-/run/wsl/wslservice.sock} ]] || return 0
        set -- -l -q "$@"
    else
        set -- -l -o -q --offline
    fi
    if type -P timeout >/dev/null 2>&1; then
        out=$(timeout 3 wsl "$@" </dev/null 2>/dev/null) || return 0
    else
        out=$(command wsl "$@" </dev/null 2>/dev/null) || return 0
    fi
    local line
    while IFS= read -r line; do
        # Only what can be a name: letters, digits, '.', '_' and '-'.
        [[ $line =~ ^[A-Za-z0-9._-]+$ ]] && printf '%s\n' "$line"
    done <<<"$out"
}

# _wsl_reply WORDS...: COMPREPLY = the WORDS that start with $cur.
_wsl_reply() {
    local w
    for w in "$@"; do
        [[ $w == "$cur"* ]] && COMPREPLY+=("$w")
    done
}

# _wsl_files [-d]: files (directories with -d), with bash-completion's _filedir or compgen.
_wsl_files() {
    if declare -F _filedir >/dev/null; then
        _filedir "$@"
    else
        compopt -o filenames 2>/dev/null
        mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen "${1:--f}" -- "$cur")
    fi
}

# _wsl_commands: command names (without bash-completion).
_wsl_commands() {
    mapfile -t COMPREPLY < <(compgen -c -- "$cur" | sort -u)
}

# _wsl_reply_names [--running | --catalog]
_wsl_reply_names() {
    local names
    mapfile -t names < <(_wsl_names "$@")
    _wsl_reply "${names[@]}"
}

# _wsl_value KIND: completes a value or operand of this kind.
_wsl_value() {
    case $1 in
        distro) _wsl_reply_names ;;
        running) _wsl_reply_names --running ;;
        catalog) _wsl_reply_names --catalog ;;
        dir) _wsl_files -d ;;
        file) _wsl_files ;;
        file-) # a file, or - for standard input/output
            _wsl_files
            [[ -z $cur || $cur == - ]] && COMPREPLY+=(-)
            ;;
        version) _wsl_reply 1 2 ;;
        export-format) _wsl_reply tar tar.gz tar.xz tar.zst ;;
        text-format) _wsl_reply text json ;;
        shell-type) _wsl_reply standard login none ;;
        bool) _wsl_reply true false ;;
        verb) _wsl_reply "${_wsl_verbs[@]}" ;;
        *) ;; # free text: a name, a user, a size, an id
    esac
}

_wsl_verbs=(--install -l --list --import --export --unregister -s --set-default
    --set-default-version --set-version -t --terminate --shutdown --status --manage
    --update --uninstall --mount --unmount --debug-shell -v --version --help)
# Spellings wsl accepts but does not offer (wsl.exe's old --setdefault).
_wsl_hidden_verbs=(--setdefault)

# _wsl_spec VERB: sets _wsl_opts (OPT[|ALIAS]=KIND ..., KIND "flag" for options without a
# value; the first spelling is the canonical one) and _wsl_operands (the operands' kinds, in
# order).
_wsl_spec() {
    _wsl_opts=() _wsl_operands=()
    case $1 in
        --install)
            _wsl_opts=(--distribution\|-d=catalog --name=none --location\|-l=dir
                --from-file\|-f=file- --no-launch\|-n=flag --version=version
                --no-distribution=flag --web-download=flag --pre-release=flag
                --prompt-before-exit=flag --enable-wsl1=flag)
            _wsl_operands=(catalog) ;;
        -l | --list)
            _wsl_opts=(--all\|-a=flag --running=flag --quiet\|-q=flag --verbose\|-v=flag
                --online\|-o=flag --offline=flag --format=text-format) ;;
        --import)
            _wsl_opts=(--version=version)
            _wsl_operands=(none dir file-) ;;
        --export)
            _wsl_opts=(--format=export-format)
            _wsl_operands=(distro file-) ;;
        --unregister | -s | --set-default | --setdefault) _wsl_operands=(distro) ;;
        --set-default-version) _wsl_operands=(version) ;;
        --set-version) _wsl_operands=(distro version) ;;
        -t | --terminate) _wsl_operands=(running) ;;
        --shutdown) _wsl_opts=(--force=flag) ;;
        --update) # wsl.exe's, accepted
            _wsl_opts=(--pre-release=flag --web-download=flag --confirm=flag
                --prompt-before-exit=flag) ;;
        --status) _wsl_opts=(--format=text-format) ;;
        --manage)
            _wsl_opts=(--move\|-m=dir --rename=none --set-default-user=none --resize\|-r=none
                --set-sparse\|-s=bool)
            _wsl_operands=(distro) ;;
        --help) _wsl_operands=(verb) ;;
    esac
    [[ $1 == --help ]] || _wsl_opts+=(--help=flag)
}

# _wsl_lookup WORD: when WORD is one of the verb's options, sets _wsl_canon and _wsl_kind.
_wsl_lookup() {
    local o names
    for o in "${_wsl_opts[@]}"; do
        names="|${o%%=*}|"
        if [[ $names == *"|$1|"* ]]; then
            _wsl_canon=${o%%[|=]*} _wsl_kind=${o#*=}
            return 0
        fi
    done
    return 1
}

_wsl() {
    # shellcheck disable=SC2034 # prev: set by _init_completion, unused here
    local cur prev words cword
    COMPREPLY=()
    if declare -F _init_completion >/dev/null; then
        _init_completion || return
    else
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        cur=${COMP_WORDS[COMP_CWORD]}
    fi

    local i w verb="" verb_at=0 expect="" used=" "
    # Run options, up to a verb or the start of a command line.
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if [[ -n $expect ]]; then
            expect=""
            continue
        fi
        case $w in
            -d | --distribution) expect=distro used+="-d --distribution " ;;
            --distribution-id) expect=none used+="$w " ;;
            -u | --user) expect=none used+="-u --user " ;;
            --cd) expect=dir used+="$w " ;;
            --shell-type) expect=shell-type used+="$w " ;;
            -- | -e | --exec)
                # The rest is a command line for the distro: complete it as a command.
                if declare -F _command_offset >/dev/null; then
                    _command_offset $((i + 1))
                elif ((i + 1 == cword)); then
                    _wsl_commands
                else
                    _wsl_files
                fi
                return 0
                ;;
            '~') ;;
            -*)
                local v
                for v in "${_wsl_verbs[@]}" "${_wsl_hidden_verbs[@]}"; do
                    if [[ $w == "$v" ]]; then
                        verb=$w verb_at=$i
                        break 2
                    fi
                done
                ;;
            *) # a bare command line
                if declare -F _command_offset >/dev/null; then
                    _command_offset "$i"
                else
                    _wsl_files
                fi
                return 0
                ;;
        esac
    done

    if [[ -z $verb ]]; then
        # the value of a run option
        if [[ -n $expect ]]; then
            case $expect in
                dir) # a directory in the distro: ~ (its home) or one under the cwd
                    _wsl_files -d
                    [[ -z $cur || $cur == "~" ]] && COMPREPLY+=("~")
                    ;;
                *) _wsl_value "$expect" ;;
            esac
            return 0
        fi
        if [[ -n $cur && $cur != -* ]]; then
            if ((cword == 1)) && [[ $cur == "~" ]]; then
                COMPREPLY=("~")
            elif declare -F _command_offset >/dev/null; then
                _command_offset "$cword"
            else
                _wsl_commands
            fi
            return 0
        fi
        local run_opts=() o
        for o in -d --distribution --distribution-id -u --user --cd --shell-type; do
            [[ $used == *" $o "* ]] || run_opts+=("$o")
        done
        run_opts+=(-e --exec --)
        ((cword == 1)) && [[ -z $cur ]] && run_opts+=("~")
        _wsl_reply "${run_opts[@]}" "${_wsl_verbs[@]}"
        return 0
    fi

    # A verb: its own options and operands, in any order.
    local _wsl_opts _wsl_operands _wsl_canon _wsl_kind nops=0
    _wsl_spec "$verb"
    expect=""
    for ((i = verb_at + 1; i < cword; i++)); do
        w=${words[i]}
        if [[ -n $expect ]]; then
            expect=""
            continue
        fi
        if _wsl_lookup "$w"; then
            used+="$_wsl_canon "
            [[ $_wsl_kind != flag ]] && expect=$_wsl_kind
            # --install -d NAME names the distro, as the operand does
            [[ $verb == --install && $_wsl_canon == --distribution ]] && nops=$((nops + 1))
        elif [[ $w != -* || $w == - ]]; then
            nops=$((nops + 1))
        fi
    done
    if [[ -n $expect ]]; then
        _wsl_value "$expect"
        return 0
    fi
    [[ $used == *" --help "* ]] && return 0 # `wsl VERB --help`: nothing more
    # --from-file names the distro, --no-distribution says there is none: no operand
    [[ $verb == --install && ($used == *" --from-file "* || $used == *" --no-distribution "*) ]] &&
        nops=1

    local options=() spellings=() o canon names action=0
    for o in "${_wsl_opts[@]}"; do
        names=${o%%=*} canon=${o%%[|=]*}
        [[ $used == *" $canon "* ]] && continue
        # --install: the distro is named once (operand, -d or --from-file) or not at all
        # (--no-distribution)
        [[ $verb == --install && ($canon == --distribution || $canon == --from-file ||
            $canon == --no-distribution) ]] && ((nops > 0)) && continue
        IFS='|' read -ra spellings <<<"$names"
        options+=("${spellings[@]}")
    done
    if [[ $verb == --manage ]]; then
        # one action only
        for o in --move --rename --set-default-user --resize --set-sparse; do
            [[ $used == *" $o "* ]] && action=1
        done
        ((action)) && options=()
    fi

    if [[ $cur == -* && $cur != - && $verb != --help ]]; then
        _wsl_reply "${options[@]}"
    elif ((nops < ${#_wsl_operands[@]})); then
        _wsl_value "${_wsl_operands[nops]}"
        [[ $cur == - ]] && _wsl_reply "${options[@]}"
    elif [[ -z $cur || $cur == - ]]; then
        _wsl_reply "${options[@]}"
    fi
    return 0
}

complete -F _wsl wsl
