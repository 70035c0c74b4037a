-- Neovim's built-in LSP client driving `chaffra lsp`, as an editor user would:
-- open two files, read the diagnostics, hover a function, apply a code action,
-- edit the other file and see a cross-file dead-code diagnostic arrive.
--
-- Run by tests-integration/test_lsp_neovim.py:
--   nvim --headless --clean -c "luafile nvim_client.lua"
-- Input (environment): CHAFFRA_NVIM_COMMAND (the server command, JSON array),
-- CHAFFRA_NVIM_ROOT (the project), CHAFFRA_NVIM_OUT (where to write the results),
-- CHAFFRA_NVIM_TIMEOUT_MS (how long to wait for each event).
-- Every wait is on an event (vim.wait polls the condition while the event loop
-- runs); nothing sleeps for a fixed time.

local root = os.getenv("CHAFFRA_NVIM_ROOT")
local out_path = os.getenv("CHAFFRA_NVIM_OUT")
local command = vim.fn.json_decode(os.getenv("CHAFFRA_NVIM_COMMAND"))
local timeout = tonumber(os.getenv("CHAFFRA_NVIM_TIMEOUT_MS") or "60000")
local results = { steps = {} }

local function codes(bufnr)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(found, { code = d.code, line = d.lnum + 1, message = d.message, source = d.source })
  end
  return found
end

local function has(bufnr, predicate)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if predicate(d) then
      return true
    end
  end
  return false
end

local function wait_for(step, condition)
  local ok = vim.wait(timeout, condition, 20)
  table.insert(results.steps, { step = step, ok = ok })
  if not ok then
    error("timed out waiting for: " .. step)
  end
end

local function run()
  local exited = nil
  local client_id = vim.lsp.start_client({
    name = "chaffra",
    cmd = command,
    root_dir = root,
    on_exit = function(code, signal)
      exited = { code = code, signal = signal }
    end,
  })
  assert(client_id, "the client did not start")
  local client = vim.lsp.get_client_by_id(client_id)

  vim.cmd("edit " .. vim.fn.fnameescape(root .. "/a.py"))
  local a = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(a, client_id)
  vim.cmd("edit " .. vim.fn.fnameescape(root .. "/b.py"))
  local b = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(b, client_id)

  -- 1. Diagnostics from every analyzer arrive for a.py.
  wait_for("diagnostics of every analyzer", function()
    local sources = {}
    for _, d in ipairs(vim.diagnostic.get(a)) do
      sources[tostring(d.code):match("^[^:]+")] = true
    end
    return sources["complexity"] and sources["dead-code"] and sources["security"]
  end)
  results.opened = codes(a)
  results.server_name = client.name
  results.initialized = client.initialized or false

  -- 2. Hover on a function: its complexity and rank.
  vim.api.nvim_set_current_buf(a)
  local branchy = vim.fn.search("^def branchy", "n") -- 1-based
  local hover = vim.lsp.buf_request_sync(a, "textDocument/hover", {
    textDocument = { uri = vim.uri_from_bufnr(a) },
    position = { line = branchy - 1, character = 5 },
  }, timeout)
  local hover_text = {}
  for _, reply in pairs(hover or {}) do
    if reply.result and reply.result.contents then
      table.insert(hover_text, reply.result.contents.value)
    end
  end
  results.hover = table.concat(hover_text, "\n")

  -- 3. A code action on the unused import, as `:lua vim.lsp.buf.code_action()` asks for it.
  local line_diagnostics = vim.lsp.diagnostic.get_line_diagnostics(a, 0)
  local actions = vim.lsp.buf_request_sync(a, "textDocument/codeAction", {
    textDocument = { uri = vim.uri_from_bufnr(a) },
    range = { start = { line = 0, character = 0 }, ["end"] = { line = 0, character = 0 } },
    context = { diagnostics = line_diagnostics },
  }, timeout)
  results.actions = {}
  local preferred = nil
  for _, reply in pairs(actions or {}) do
    for _, action in ipairs(reply.result or {}) do
      table.insert(results.actions, action.title)
      if action.isPreferred and action.edit then
        preferred = action
      end
    end
  end
  if preferred then
    vim.lsp.util.apply_workspace_edit(preferred.edit, client.offset_encoding)
    results.first_line_after_fix = vim.api.nvim_buf_get_lines(a, 0, 1, false)[1]
    wait_for("the unused import's diagnostic is gone after the fix", function()
      return not has(a, function(d)
        return d.code == "dead-code:unused-import"
      end)
    end)
  end

  -- 4. Cross-file: b.py stops calling `used`; a.py (also open) is told `used` is dead now.
  local b_lines = vim.api.nvim_buf_get_lines(b, 0, -1, false)
  for index, text in ipairs(b_lines) do
    if text:match("^print%(") then
      vim.api.nvim_buf_set_lines(b, index - 1, index, false, { 'print(run("ls"), branchy(1))' })
    end
  end
  wait_for("a cross-file dead-code diagnostic on the other open file", function()
    return has(a, function(d)
      return d.code == "dead-code:unused-function" and d.message:find("`used`", 1, true) ~= nil
    end)
  end)
  results.after_edit = codes(a)

  -- 5. A clean shutdown: the server process exits 0.
  vim.lsp.stop_client(client_id)
  wait_for("the server exits", function()
    return exited ~= nil
  end)
  results.exit = exited
end

local ok, err = pcall(run)
results.ok = ok
results.error = ok and vim.NIL or tostring(err)
local file = io.open(out_path, "w")
file:write(vim.fn.json_encode(results))
file:close()
vim.cmd("qall!")
