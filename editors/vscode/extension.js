// Starts `subsidy lsp` (or the command set in subsidyRules.server.command) for .rules files.
// Plain JavaScript: nothing to compile. `npm install` in this folder brings vscode-languageclient.
"use strict";
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace.getConfiguration("subsidyRules").get("server.command");
  client = new LanguageClient(
    "subsidyRules",
    "Subsidy rules (subsidy lsp)",
    { command, args },
    { documentSelector: [{ scheme: "file", language: "subsidy-rules" }, { scheme: "untitled", language: "subsidy-rules" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
