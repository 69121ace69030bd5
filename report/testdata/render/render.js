// Renders a pull-request comment the way GitHub does (GFM with GitHub's
// stylesheet, Mermaid for the charts) and measures what a reviewer sees.
// The outcome goes into #result as JSON for the Go test to read.
(async function () {
  const out = { width: 0, height: 0, tables: [], charts: [], broken: [], errors: [] };
  const rect = (el) => el.getBoundingClientRect();
  // breaksAtHyphens reports whether every line break inside word (at
  // offset start of text node n) follows a hyphen, where text may wrap.
  const breaksAtHyphens = (n, start, word) => {
    let top = null;
    for (let i = 0; i < word.length; i++) {
      const r = document.createRange();
      r.setStart(n, start + i);
      r.setEnd(n, start + i + 1);
      const q = Array.from(r.getClientRects()).find((x) => x.width > 0);
      if (!q) continue;
      if (top !== null && Math.round(q.top) !== top && word[i - 1] !== '-') return false;
      top = Math.round(q.top);
    }
    return true;
  };
  try {
    const body = document.getElementById('comment');
    const md = JSON.parse(document.getElementById('markdown').textContent);
    body.innerHTML = marked.parse(md, { gfm: true });
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
    const blocks = Array.from(body.querySelectorAll('pre > code.language-mermaid'));
    for (let i = 0; i < blocks.length; i++) {
      const src = blocks[i].textContent;
      const chart = { index: i, clipped: [], overlapping: [] };
      out.charts.push(chart);
      try {
        await mermaid.parse(src);
        const { svg } = await mermaid.render('chart' + i, src);
        const div = document.createElement('div');
        div.className = 'chart';
        div.innerHTML = svg;
        blocks[i].parentElement.replaceWith(div);
        const s = div.querySelector('svg');
        const box = rect(s);
        for (const t of s.querySelectorAll('text')) {
          const r = rect(t);
          if (r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1)) {
            chart.clipped.push(t.textContent);
          }
        }
        const labels = Array.from(s.querySelectorAll('g.bottom-axis g.label text')).map(rect);
        for (let j = 1; j < labels.length; j++) {
          if (labels[j].left < labels[j - 1].right - 0.5) {
            chart.overlapping.push(j);
          }
        }
        chart.labels = labels.length;
      } catch (e) {
        chart.error = String((e && e.message) || e);
      }
    }
    const right = rect(body).right - parseFloat(getComputedStyle(body).paddingRight);
    for (const t of body.querySelectorAll('table')) {
      if (t.closest('details:not([open])')) continue; // not shown
      const head = Array.from(t.querySelectorAll('th')).map((th) => th.textContent.trim());
      out.tables.push({ head, scrollWidth: t.scrollWidth, clientWidth: t.clientWidth, right: rect(t).right, limit: right });
    }
    // Words that a line break cut in two.
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (el.closest('pre, svg, .chart') || (el.closest('details:not([open])') && !el.closest('summary'))) continue;
      const re = /\S+/g;
      for (let m = re.exec(n.data); m; m = re.exec(n.data)) {
        const r = document.createRange();
        r.setStart(n, m.index);
        r.setEnd(n, m.index + m[0].length);
        const tops = new Set(Array.from(r.getClientRects()).filter((q) => q.width > 0).map((q) => Math.round(q.top)));
        if (tops.size > 1 && !breaksAtHyphens(n, m.index, m[0])) out.broken.push(m[0]);
      }
    }
    out.width = document.documentElement.scrollWidth;
    out.height = Math.ceil(rect(body).bottom);
  } catch (e) {
    out.errors.push(String((e && e.stack) || e));
  }
  document.getElementById('result').textContent = JSON.stringify(out);
})();
