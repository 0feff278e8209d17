// `evalhub completion bash|zsh`: a completion script for the shell, made from the commands
// and options this program defines, so it never falls behind them.
//
//   bash: source <(evalhub completion bash)        (or save it in bash_completion.d)
//   zsh:  source <(evalhub completion zsh)         (after compinit, e.g. in ~/.zshrc)
import { type Command, InvalidArgumentError } from 'commander';

/** Each command's path ("evalhub run") and what may follow it: subcommands and options. */
function completions(command: Command, path = command.name()): Map<string, string[]> {
  const words = [
    ...command.commands.map((sub) => sub.name()),
    ...command.options.flatMap((option) => (option.long ? [option.long] : [])),
    '--help',
  ];
  const table = new Map([[path, words]]);
  for (const sub of command.commands)
    for (const [subPath, subWords] of completions(sub, `${path} ${sub.name()}`))
      table.set(subPath, subWords);
  return table;
}

/** The table as `[key]=value` lines of a shell's associative array, single-quoted. */
const entries = (table: Map<string, string[]>, format: (key: string, words: string) => string) =>
  [...table].map(([key, words]) => `  ${format(key, words.join(' '))}`).join('\n');

function bashScript(table: Map<string, string[]>): string {
  return `# evalhub completion for bash: source <(evalhub completion bash)
declare -A _evalhub_words=(
${entries(table, (key, words) => `['${key}']='${words}'`)}
)
_evalhub() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd=evalhub next i
  for ((i = 1; i < COMP_CWORD; i++)); do
    next="$cmd \${COMP_WORDS[i]}"
    [[ -n \${_evalhub_words[$next]+set} ]] && cmd=$next
  done
  COMPREPLY=($(compgen -W "\${_evalhub_words[$cmd]}" -- "$cur"))
}
complete -o default -F _evalhub evalhub
`;
}

function zshScript(table: Map<string, string[]>): string {
  return `# evalhub completion for zsh: source <(evalhub completion zsh), after compinit
typeset -gA _evalhub_words
_evalhub_words=(
${entries(table, (key, words) => `'${key}' '${words}'`)}
)
_evalhub() {
  local cmd=evalhub next i
  for ((i = 2; i < CURRENT; i++)); do
    next="$cmd \${words[i]}"
    (( \${+_evalhub_words[$next]} )) && cmd=$next
  done
  compadd -- \${=_evalhub_words[$cmd]}
  _files
}
compdef _evalhub evalhub
`;
}

export function completionCommand(program: Command): void {
  program
    .command('completion')
    .description('print a bash or zsh completion script: source <(evalhub completion bash)')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh')
        throw new InvalidArgumentError('the shell is bash or zsh');
      const table = completions(program);
      process.stdout.write(shell === 'bash' ? bashScript(table) : zshScript(table));
    });
}
