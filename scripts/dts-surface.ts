/**
 * The published type surface of a built entry: every exported name of `dist/<entry>.d.ts`, and the public
 * members of each exported class (what a user's code can call). `node --import tsx scripts/dts-surface.ts [entry]`
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export interface DtsSurface {
  names: string[];
  members: Record<string, string[]>;
}

export function dtsSurface(file: string): DtsSurface {
  const program = ts.createProgram([file], { noEmit: true, skipLibCheck: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (source === undefined) throw new Error(`no such file: ${file}`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`${file} is not a module`);
  const names: string[] = [];
  const members: Record<string, string[]> = {};
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    names.push(exported.name);
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (!(symbol.flags & ts.SymbolFlags.Class)) continue;
    const visible: string[] = [];
    // The class and the classes of ours it extends (a base class from another package, such as LangChain's
    // BaseCallbackHandler, is that package's API, not ours).
    for (let declaration = symbol.declarations?.find(ts.isClassDeclaration); declaration !== undefined; declaration = baseOf(declaration, checker, file)) {
      for (const member of declaration.members) {
        if (member.name === undefined || ts.isPrivateIdentifier(member.name)) continue;
        const modifiers = ts.getCombinedModifierFlags(member);
        if (modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
        visible.push(ts.isIdentifier(member.name) || ts.isStringLiteral(member.name) ? member.name.text : member.name.getText(member.getSourceFile()));
      }
    }
    members[exported.name] = [...new Set(visible)].sort();
  }
  return { names: names.sort(), members };
}

/** The class `declaration` extends, when it is declared in this package's own declaration files. */
function baseOf(declaration: ts.ClassDeclaration, checker: ts.TypeChecker, file: string): ts.ClassDeclaration | undefined {
  const heritage = declaration.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
  if (heritage === undefined) return undefined;
  let symbol = checker.getSymbolAtLocation(heritage.expression);
  if (symbol !== undefined && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const base = symbol?.declarations?.find(ts.isClassDeclaration);
  return base !== undefined && path.resolve(path.dirname(base.getSourceFile().fileName)) === path.resolve(path.dirname(file)) ? base : undefined;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const entry = process.argv[2] ?? "index";
  const root = fileURLToPath(new URL("..", import.meta.url));
  const surface = dtsSurface(path.join(root, "dist", `${entry}.d.ts`));
  console.log(`dist/${entry}.d.ts exports ${surface.names.length} names:\n  ${surface.names.join(", ")}`);
  for (const [name, list] of Object.entries(surface.members)) console.log(`class ${name}: ${list.join(", ")}`);
}
