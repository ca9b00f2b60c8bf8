/** The widget's styles, inside its shadow root so that the host page's CSS and ours never mix. */
export const STYLES = `
:host { all: initial; }
* { box-sizing: border-box; }
.launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: 56px; height: 56px; border-radius: 50%;
  border: none; background: var(--rb-accent, #1d4ed8); color: #fff; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25);
  font: 600 24px/1 system-ui, sans-serif; display: flex; align-items: center; justify-content: center; }
.launcher:focus-visible, button:focus-visible, a:focus-visible, textarea:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.badge { position: absolute; top: -2px; right: -2px; min-width: 20px; height: 20px; border-radius: 10px; background: #dc2626; color: #fff;
  font: 600 12px/20px system-ui, sans-serif; padding: 0 5px; }
.panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483001; width: 370px; height: min(600px, calc(100vh - 110px));
  display: flex; flex-direction: column; background: #fff; color: #1f2933; border-radius: 12px; overflow: hidden;
  box-shadow: 0 10px 40px rgba(0,0,0,.3); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.panel[hidden] { display: none; }
header { display: flex; align-items: center; gap: 8px; padding: 12px 14px; background: var(--rb-accent, #1d4ed8); color: #fff; }
header h2 { flex: 1; margin: 0; font-size: 16px; font-weight: 600; }
.close { background: transparent; border: none; color: #fff; font-size: 22px; line-height: 1; cursor: pointer; padding: 4px 8px; border-radius: 6px; }
.notice { margin: 0; padding: 8px 14px; font-size: 12.5px; color: #52606d; background: #f5f7fa; border-bottom: 1px solid #e4e7eb; }
.notice a { color: inherit; }
.log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; }
.msg { max-width: 88%; padding: 8px 12px; border-radius: 14px; overflow-wrap: anywhere; }
.msg p { margin: 0 0 6px; } .msg p:last-child, .msg ul:last-child { margin-bottom: 0; }
.msg ul { margin: 0 0 6px; padding-left: 20px; }
.bot { align-self: flex-start; background: #eef2f7; border-bottom-left-radius: 4px; }
.bot a { color: #1d4ed8; }
.visitor { align-self: flex-end; background: var(--rb-accent, #1d4ed8); color: #fff; border-bottom-right-radius: 4px; white-space: pre-wrap; }
.visitor.pending { opacity: .65; }
.system { align-self: center; font-size: 12.5px; color: #7b8794; text-align: center; }
.typing { align-self: flex-start; padding: 10px 14px; background: #eef2f7; border-radius: 14px; display: flex; gap: 4px; }
.typing[hidden] { display: none; }
.typing span { width: 7px; height: 7px; border-radius: 50%; background: #7b8794; animation: rb-bounce 1.2s infinite ease-in-out; }
.typing span:nth-child(2) { animation-delay: .15s; } .typing span:nth-child(3) { animation-delay: .3s; }
@keyframes rb-bounce { 0%, 80%, 100% { transform: translateY(0); opacity: .5; } 40% { transform: translateY(-4px); opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .typing span { animation: none; } }
.quick { display: flex; flex-wrap: wrap; gap: 6px; padding: 0 12px 8px; }
.quick:empty { display: none; }
.quick button { border: 1px solid var(--rb-accent, #1d4ed8); color: var(--rb-accent, #1d4ed8); background: #fff; border-radius: 16px;
  padding: 6px 12px; font: inherit; font-size: 14px; cursor: pointer; }
.quick button:hover { background: #eff6ff; }
form { display: flex; gap: 8px; padding: 10px 12px; border-top: 1px solid #e4e7eb; }
textarea { flex: 1; resize: none; border: 1px solid #cbd2d9; border-radius: 8px; padding: 8px 10px; font: inherit; max-height: 120px; }
.send { border: none; border-radius: 8px; padding: 0 14px; background: var(--rb-accent, #1d4ed8); color: #fff; font: inherit; font-weight: 600; cursor: pointer; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 480px) {
  .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; }
  .launcher { right: 14px; bottom: 14px; }
}
`;
