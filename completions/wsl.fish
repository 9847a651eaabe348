# fish completion for wsl (wsl for Linux). Installed as
# share/fish/vendor_completions.d/wsl.fish.
#
# The grammar is wsl.exe's: run options (-d, -u, --cd, ...), then either a management verb
# (--list, --install, --export, ...) with its own options and operands in any order, or a
# command line (-e/--exec CMD..., -- CMD... or a bare CMD...), after which wsl's own options
# end and the command is completed as a command.
#
# Distribution names come from `wsl -l -q` (--running for --terminate) and catalog names from
# `wsl -l -o -q --offline`, which never touches the network. A call that fails (no service,
# no distros) completes nothing and prints nothing.

# the verbs wsl takes (--setdefault, wsl.exe's old spelling, is taken but not offered)
set -g __wsl_verbs --install -l --list --import --export --unregister -s --set-default \
    --setdefault --set-default-version --set-version -t --terminate --shutdown --status \
    --manage --update --uninstall --mount --unmount --debug-shell -v --version --help

# __wsl_names [--running | --catalog]: the names wsl prints, nothing on any failure.
function __wsl_names
    set -l args -l -q $argv
    if test "$argv[1]" = --catalog
        set args -l -o -q --offline
    else
        # Without a listening socket a root `wsl` would start the service: not for a completion.
        set -l sock /run/wsl/wslservice.sock
        set -q WSL_SERVICE_SOCKET; and test -n "$WSL_SERVICE_SOCKET"; and set sock $WSL_SERVICE_SOCKET
        test -S $sock; or return 0
    end
    set -l out
    if command -sq timeout
        set out (timeout 3 wsl $args </dev/null 2>/dev/null); or return 0
    else
        set out (command wsl $args </dev/null 2>/dev/null); or return 0
    end
    string match -r -- '^[A-Za-z0-9._-]+$' $out
end

# __wsl_verb_opts VERB: the verb's options as NAME[|ALIAS]=KIND ("flag": no value).
function __wsl_verb_opts --argument-names verb
    switch $verb
        case --install
            printf '%s\n' '--distribution|-d=catalog' --name=none '--location|-l=dir' \
                '--from-file|-f=file-' '--no-launch|-n=flag' --version=version \
                --no-distribution=flag --web-download=flag --pre-release=flag \
                --prompt-before-exit=flag --enable-wsl1=flag
        case -l --list
            printf '%s\n' '--all|-a=flag' --running=flag '--quiet|-q=flag' '--verbose|-v=flag' \
                '--online|-o=flag' --offline=flag --format=text-format
        case --import
            printf '%s\n' --version=version
        case --export
            printf '%s\n' --format=export-format
        case --shutdown
            printf '%s\n' --force=flag
        case --update
            printf '%s\n' --pre-release=flag --web-download=flag --confirm=flag \
                --prompt-before-exit=flag
        case --status
            printf '%s\n' --format=text-format
        case --manage
            printf '%s\n' '--move|-m=dir' --rename=none --set-default-user=none '--resize|-r=none' \
                '--set-sparse|-s=bool'
    end
    test "$verb" != --help; and echo --help=flag
end

# __wsl_verb_operands VERB: the kinds of the verb's operands, in order.
function __wsl_verb_operands --argument-names verb
    switch $verb
        case --install
            echo catalog
        case --import
            printf '%s\n' none dir file-
        case --export
            printf '%s\n' distro file-
        case --unregister -s --set-default --setdefault
            echo distro
        case --set-default-version
            echo version
        case --set-version
            printf '%s\n' distro version
        case -t --terminate
            echo running
        case --manage
            echo distro
        case --help
            echo verb
    end
end

# __wsl_state: parses the words before the cursor. Sets __wsl_mode (run, value, verb or cmd),
# __wsl_kind (for value: what to complete), __wsl_verb, __wsl_used (canonical options
# given), __wsl_nops (operands given) and __wsl_cmd_at (for cmd: where the command starts).
function __wsl_state
    # Every condition below asks; parse each command line once.
    set -l key (commandline -cp | string collect)
    if set -q __wsl_state_key; and test "$__wsl_state_key" = "$key"
        return
    end
    set -g __wsl_state_key $key
    set -l tokens (commandline -opc)
    set -g __wsl_mode run
    set -g __wsl_kind
    set -g __wsl_verb
    set -g __wsl_used
    set -g __wsl_nops 0
    set -g __wsl_cmd_at 0
    set -l expect
    set -l opts
    set -l n (count $tokens)
    for i in (seq 2 $n)
        set -l t $tokens[$i]
        if test -n "$expect"
            set expect
            continue
        end
        if test $__wsl_mode = run
            switch $t
                case -d --distribution
                    set expect distro
                    set -a __wsl_used -d
                case --distribution-id
                    set expect none
                    set -a __wsl_used -d
                case -u --user
                    set expect none
                    set -a __wsl_used -u
                case --cd
                    set expect cd
                    set -a __wsl_used --cd
                case --shell-type
                    set expect shell-type
                    set -a __wsl_used --shell-type
                case '--' -e --exec
                    set -g __wsl_mode cmd
                    set -g __wsl_cmd_at (math $i + 1)
                    return
                case '~'
                case '-*'
                    if contains -- $t $__wsl_verbs
                        set -g __wsl_mode verb
                        set -g __wsl_verb $t
                        set opts (__wsl_verb_opts $t)
                    end
                case '*'
                    set -g __wsl_mode cmd
                    set -g __wsl_cmd_at $i
                    return
            end
        else
            # a verb's own options and operands, in any order
            set -l found
            for o in $opts
                set -l names (string split '|' -- (string split -m1 '=' -- $o)[1])
                if contains -- $t $names
                    set found $names[1] (string split -m1 '=' -- $o)[2]
                    break
                end
            end
            if set -q found[1]
                set -a __wsl_used $found[1]
                test $found[2] != flag; and set expect $found[2]
                # --install -d NAME names the distro, as the operand does; with
                # --no-distribution there is none to name
                if test $__wsl_verb = --install; and contains -- $found[1] --distribution --from-file --no-distribution
                    set __wsl_nops (math $__wsl_nops + 1)
                end
            else if not string match -qr -- '^-.' $t
                set __wsl_nops (math $__wsl_nops + 1)
            end
        end
    end
    if test -n "$expect"
        set -g __wsl_kind $expect
        if test $__wsl_mode = run
            set -g __wsl_mode run-value
        else
            set -g __wsl_mode value
        end
    end
end

# __wsl_is MODE: the word under the cursor is in MODE (run: run options and verbs; cmd: a
# command line).
function __wsl_is --argument-names mode
    __wsl_state
    test $__wsl_mode = $mode
end

# __wsl_want KIND: the word under the cursor is a value or an operand of this KIND.
function __wsl_want --argument-names kind
    __wsl_state
    switch $__wsl_mode
        case run-value value
            test "$__wsl_kind" = $kind
        case verb
            contains -- --help $__wsl_used; and return 1
            # an option is being typed, not an operand (but --help's operand is a verb)
            test $__wsl_verb != --help; and string match -qr -- '^-.' (commandline -ct); and return 1
            set -l operands (__wsl_verb_operands $__wsl_verb)
            set -l next (math $__wsl_nops + 1)
            set -q operands[$next]; and test $operands[$next] = $kind
        case '*'
            return 1
    end
end

# __wsl_opt VERB OPTION: the verb VERB (any spelling) may take OPTION (canonical) next.
function __wsl_opt --argument-names verb option
    __wsl_state
    test $__wsl_mode = verb; or return 1
    test (__wsl_canonical $__wsl_verb) = $verb; or return 1
    contains -- $option $__wsl_used; and return 1
    contains -- --help $__wsl_used; and return 1
    switch $verb
        case --manage # one action only
            for a in --move --rename --set-default-user --resize --set-sparse
                contains -- $a $__wsl_used; and return 1
            end
        case --install # the distro is named once, or not at all (--no-distribution)
            if contains -- $option --distribution --from-file --no-distribution; and test $__wsl_nops -gt 0
                return 1
            end
    end
    # options while operands are missing only once the word starts with -
    set -l operands (__wsl_verb_operands $__wsl_verb)
    if test $__wsl_nops -lt (count $operands)
        string match -q -- '-*' (commandline -ct); or return 1
    end
    return 0
end

function __wsl_canonical --argument-names verb
    switch $verb
        case -l
            echo --list
        case -s --setdefault
            echo --set-default
        case -t
            echo --terminate
        case -v
            echo --version
        case '*'
            echo $verb
    end
end

# the command line after --, -e or a bare command word, completed as a command of its own
function __wsl_complete_command
    __wsl_state
    set -l tokens (commandline -opc)
    set -l cmd
    if test $__wsl_cmd_at -le (count $tokens)
        set cmd (string escape -- $tokens[$__wsl_cmd_at..-1])
    end
    set -l line (string join ' ' -- $cmd (commandline -ct))
    complete --do-complete="$line"
end

complete -c wsl -f

# run options and verbs
complete -c wsl -n '__wsl_is run; and not contains -- -d $__wsl_used' -a '-d --distribution' -d 'Run the named distribution'
complete -c wsl -n '__wsl_is run; and not contains -- -d $__wsl_used' -a --distribution-id -d 'Run the distribution with this id'
complete -c wsl -n '__wsl_is run; and not contains -- -u $__wsl_used' -a '-u --user' -d 'Run as this user'
complete -c wsl -n '__wsl_is run; and not contains -- --cd $__wsl_used' -a --cd -d 'Start in this directory'
complete -c wsl -n '__wsl_is run; and not contains -- --shell-type $__wsl_used' -a --shell-type -d 'How to run the command line'
complete -c wsl -n '__wsl_is run' -a '-e --exec' -d 'Execute the command without the default shell'
complete -c wsl -n '__wsl_is run' --arguments=-- -d 'Pass the rest of the command line as is'
complete -c wsl -n '__wsl_is run; and test (count (commandline -opc)) -eq 1' -a '\~' -d 'Start in the home directory'
complete -c wsl -n '__wsl_is run' -a --install -d 'Install a distribution from the catalog'
complete -c wsl -n '__wsl_is run' -a '-l --list' -d 'List distributions'
complete -c wsl -n '__wsl_is run' -a --import -d 'Import a tar file as a new distribution'
complete -c wsl -n '__wsl_is run' -a --export -d 'Export a distribution to a tar file'
complete -c wsl -n '__wsl_is run' -a --unregister -d 'Unregister a distribution and delete its files'
complete -c wsl -n '__wsl_is run' -a '-s --set-default' -d 'Make a distribution the default'
complete -c wsl -n '__wsl_is run' -a --set-default-version -d 'Set the version for new distributions'
complete -c wsl -n '__wsl_is run' -a --set-version -d 'Convert a distribution to version 1 or 2'
complete -c wsl -n '__wsl_is run' -a '-t --terminate' -d 'Stop a distribution'
complete -c wsl -n '__wsl_is run' -a --shutdown -d 'Stop all running distributions'
complete -c wsl -n '__wsl_is run' -a --status -d 'Show the default distribution and version'
complete -c wsl -n '__wsl_is run' -a --manage -d "Change a distribution's settings"
complete -c wsl -n '__wsl_is run' -a --update -d 'Say how wsl for Linux is updated (its package)'
complete -c wsl -n '__wsl_is run' -a --uninstall -d 'Say how to remove wsl for Linux (its package)'
complete -c wsl -n '__wsl_is run' -a --mount -d 'Attach a disk (needs version 2)'
complete -c wsl -n '__wsl_is run' -a --unmount -d 'Detach a disk (needs version 2)'
complete -c wsl -n '__wsl_is run' -a --debug-shell -d 'Open a shell in the version 2 virtual machine (needs version 2)'
complete -c wsl -n '__wsl_is run' -a '-v --version' -d 'Show version information'
complete -c wsl -n '__wsl_is run' -a --help -d 'Show help'

# a command line to run in the distro
complete -c wsl -n '__wsl_is cmd' -a '(__wsl_complete_command)'

# values and operands
complete -c wsl -n '__wsl_want distro' -a '(__wsl_names)' -d 'Installed distribution'
complete -c wsl -n '__wsl_want running' -a '(__wsl_names --running)' -d 'Running distribution'
complete -c wsl -n '__wsl_want catalog' -a '(__wsl_names --catalog)' -d 'Distribution in the catalog'
complete -c wsl -n '__wsl_want dir' -a '(__fish_complete_directories (commandline -ct))'
complete -c wsl -n '__wsl_want cd' -a '(__fish_complete_directories (commandline -ct))'
complete -c wsl -n '__wsl_want cd' -a '\~' -d 'The home directory'
complete -c wsl -n '__wsl_want file' -F
complete -c wsl -n '__wsl_want file-' -F
complete -c wsl -n '__wsl_want file-' --arguments=- -d 'Standard input/output'
complete -c wsl -n '__wsl_want version' -a '1 2' -d Version
complete -c wsl -n '__wsl_want export-format' -a 'tar tar.gz tar.xz tar.zst' -d 'Archive format'
complete -c wsl -n '__wsl_want text-format' -a 'text json' -d 'Output format'
complete -c wsl -n '__wsl_want shell-type' -a standard -d 'Through the default shell'
complete -c wsl -n '__wsl_want shell-type' -a login -d 'Through a login shell'
complete -c wsl -n '__wsl_want shell-type' -a none -d 'Directly, without a shell'
complete -c wsl -n '__wsl_want bool' -a 'true false'
complete -c wsl -n '__wsl_want verb' -a '--install -l --list --import --export --unregister -s --set-default --set-default-version --set-version -t --terminate --shutdown --status --manage --update --uninstall --mount --unmount --debug-shell -v --version --help' -d Verb

# each verb's own options
for spec in \
    '--install --distribution|-d The distribution to install' \
    '--install --name Register it under this name' \
    '--install --location|-l Store it in this directory' \
    '--install --from-file|-f Install a local .wsl file (- for standard input)' \
    '--install --no-launch|-n Do not open a shell afterwards' \
    '--install --version Its version (1 or 2)' \
    '--install --no-distribution Install no distribution' \
    '--install --web-download Accepted for wsl.exe scripts; downloads are direct' \
    '--install --pre-release Accepted for wsl.exe scripts; it changes nothing here' \
    '--install --prompt-before-exit Accepted for wsl.exe scripts; it changes nothing here' \
    '--install --enable-wsl1 Accepted for wsl.exe scripts; version 1 needs nothing enabled' \
    '--list --all|-a Include distributions being installed or uninstalled' \
    '--list --running Only running distributions' \
    '--list --quiet|-q Names only' \
    '--list --verbose|-v Names, states and versions' \
    '--list --online|-o The distributions wsl --install can install' \
    '--list --offline With --online: no network' \
    '--list --format Output format (text or json)' \
    '--import --version Its version (1 or 2)' \
    '--export --format Archive format' \
    '--shutdown --force Accepted for wsl.exe scripts; the shutdown is the same' \
    '--status --format Output format (text or json)' \
    '--update --pre-release Accepted for wsl.exe scripts; it changes nothing here' \
    '--update --web-download Accepted for wsl.exe scripts; it changes nothing here' \
    '--update --confirm Accepted for wsl.exe scripts; it changes nothing here' \
    '--update --prompt-before-exit Accepted for wsl.exe scripts; it changes nothing here' \
    '--manage --move|-m Move its storage to this directory' \
    '--manage --rename Rename it' \
    '--manage --set-default-user Make this user (looked up inside) the default' \
    '--manage --resize|-r Resize its disk' \
    '--manage --set-sparse|-s Make its disk sparse'
    set -l words (string split ' ' -- $spec)
    set -l names (string split '|' -- $words[2])
    complete -c wsl -n "__wsl_opt $words[1] $names[1]" -a "$names" -d "$words[3..-1]"
end
for verb in --install --list --import --export --unregister --set-default --set-default-version \
        --set-version --terminate --shutdown --status --manage --update --uninstall --mount \
        --unmount --debug-shell --version
    complete -c wsl -n "__wsl_opt $verb --help" -a --help -d "Show this verb's help"
end
set -e spec verb
