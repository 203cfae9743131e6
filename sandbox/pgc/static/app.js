/* PGC replica: plain JS that builds an Angular/PrimeNG-like DOM (see reference pgc-dom/).
   Every DOM node is created with the DOM API, because the real app nests <div>s inside <thead>/<tbody>,
   which the HTML parser would move out of the table. */
(function () {
  'use strict';
  var API = '/comprasnet-artefatos/api/v1/sandbox';
  var root = document.querySelector('app-root');
  var UASG = root.getAttribute('data-uasg');

  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    attrs = attrs || {};
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'text') el.textContent = v;
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : v);
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return el;
  }

  // ng-http-loader: #spinner exists only while a request is pending ---------------------------
  var loader = h('ng-http-loader');
  root.appendChild(loader);
  var pending = 0;
  function spinnerOn() {
    pending++;
    if (!document.getElementById('spinner')) {
      loader.appendChild(h('div', { id: 'spinner', 'class': 'spinner' }, [h('div', { 'class': 'sk-circle' })]));
    }
  }
  function spinnerOff() {
    pending = Math.max(0, pending - 1);
    if (pending === 0) { var s = document.getElementById('spinner'); if (s) s.remove(); }
  }
  var expired = false;
  function sessaoExpirada() {
    if (expired) return;
    expired = true;
    document.body.appendChild(h('div', { id: 'sessao-expirada', role: 'alertdialog' }, [h('div', {}, [
      h('p', { text: 'Sua sessão expirou. Faça login novamente.' }),
      h('a', { href: '/seguro/loginPortal.asp', 'class': 'br-button primary', text: 'Entrar novamente' })
    ])]));
  }
  // api(path, render): render runs before the spinner goes away, as Angular renders before
  // ng-http-loader hides it.
  function api(path, render) {
    spinnerOn();
    return fetch(API + path, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) {
        if (r.status === 401) { sessaoExpirada(); throw new Error('401'); }
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      })
      .then(function (data) { render(data); })
      .catch(function (e) { if (String(e.message) !== '401') { mostrarErro('Erro ao carregar os dados. Tente novamente.'); } })
      .then(spinnerOff);
  }
  function mostrarErro(msg) {
    var box = document.getElementById('mensagens');
    if (box) { box.textContent = ''; box.appendChild(h('div', { 'class': 'br-message danger', role: 'alert', text: msg })); }
  }

  var state = { view: 'dfds', pcas: null, pca: null, escopo: 'meus', dados: null, abas: null, abaAtiva: 'reprovadas' };

  var header = h('header', { 'class': 'br-header' }, [
    h('span', { 'class': 'marca', text: 'Compras.gov.br - Fase Interna' }),
    h('span', { text: 'UASG ' + UASG + ' — ' + root.getAttribute('data-nome-uasg') })
  ]);
  var main = h('main');
  root.appendChild(header);
  root.appendChild(main);

  // p-dropdown "Selecione PCA" ----------------------------------------------------------------
  function dropdown(onSelect) {
    var selected = (state.pcas || []).filter(function (p) { return p.ano === state.pca; })[0];
    var label = h('span', { 'class': 'p-dropdown-label p-inputtext' + (selected ? '' : ' p-placeholder'),
                            text: selected ? selected.label : 'Selecione PCA' });
    var wrap = h('p-dropdown', { placeholder: 'Selecione PCA', 'class': 'p-element p-inputwrapper' });
    var box = h('div', { 'class': 'p-dropdown p-component', role: 'combobox', 'aria-haspopup': 'listbox' }, [
      label,
      h('div', { 'class': 'p-dropdown-trigger', role: 'button', 'aria-label': 'dropdown trigger' }, [h('span', { 'class': 'p-dropdown-trigger-icon pi pi-chevron-down', text: '▾' })])
    ]);
    wrap.appendChild(box);
    var panel = null;
    box.addEventListener('click', function () {
      if (panel) { panel.remove(); panel = null; return; }
      var items = (state.pcas || []).map(function (p) {
        return h('p-dropdownitem', { 'class': 'p-element' }, [h('li', {
          role: 'option', 'aria-label': p.label, 'class': 'p-ripple p-element p-dropdown-item' + (p.ano === state.pca ? ' p-highlight' : ''),
          onclick: function (ev) {
            ev.stopPropagation();
            label.textContent = p.label; label.className = 'p-dropdown-label p-inputtext';
            panel.remove(); panel = null;
            onSelect(p.ano);
          }
        }, [h('span', { 'class': 'ng-star-inserted', text: p.label })])]);
      });
      panel = h('div', { 'class': 'p-dropdown-panel p-component ng-star-inserted' }, [
        h('div', { 'class': 'p-dropdown-items-wrapper' }, [h('ul', { 'class': 'p-dropdown-items', role: 'listbox' }, items)])
      ]);
      wrap.appendChild(panel);
    });
    return wrap;
  }

  // DFD list ----------------------------------------------------------------------------------
  function carregarDfds(pagina) {
    if (!state.pca) return;
    api('/dfds?pca=' + state.pca + '&escopo=' + state.escopo + '&pagina=' + pagina, function (dados) {
      state.dados = dados;
      renderResultados();
    });
  }

  var COLS = ['', 'Sigilo', 'UASG', 'DFD', 'Prioridade', 'Requisitante', 'Descrição', 'Valor', 'Situação', 'Ações'];

  function paginador(d) {
    var ultima = d.paginas;
    function btn(cls, text, alvo, disabled) {
      return h('button', {
        type: 'button', 'class': cls + (disabled ? ' p-disabled' : ''), disabled: disabled ? true : null,
        'aria-label': text, onclick: disabled ? null : function () { carregarDfds(alvo); }
      }, [h('span', { 'class': 'p-paginator-icon', text: text })]);
    }
    var primeiro = d.pagina === 1, fim = d.pagina === ultima;
    var inicio = Math.max(1, Math.min(d.pagina - 2, ultima - 4));
    var ate = Math.min(ultima, inicio + 4);
    var paginas = [];
    for (var n = inicio; n <= ate; n++) {
      (function (n) {
        paginas.push(h('button', {
          type: 'button', 'aria-label': String(n),
          'class': 'p-ripple p-element p-paginator-page p-paginator-element p-link ng-star-inserted' + (n === d.pagina ? ' p-highlight' : ''),
          onclick: function () { carregarDfds(n); }
        }, [String(n)]));
      })(n);
    }
    var de = d.total === 0 ? 0 : (d.pagina - 1) * d.tamanho + 1;
    var ate2 = Math.min(d.total, d.pagina * d.tamanho);
    return h('p-paginator', { 'class': 'p-element' }, [h('div', { 'class': 'p-paginator p-component' }, [
      h('span', { 'class': 'p-paginator-current ng-star-inserted', text: 'Mostrando ' + de + ' a ' + ate2 + ' de ' + d.total + ' registros' }),
      btn('p-ripple p-element p-paginator-first p-paginator-element p-link ng-star-inserted', '«', 1, primeiro),
      btn('p-ripple p-element p-paginator-prev p-paginator-element p-link', '‹', d.pagina - 1, primeiro),
      h('span', { 'class': 'p-paginator-pages ng-star-inserted' }, paginas),
      btn('p-ripple p-element p-paginator-next p-paginator-element p-link', '›', d.pagina + 1, fim),
      btn('p-ripple p-element p-paginator-last p-paginator-element p-link ng-star-inserted', '»', ultima, fim)
    ])]);
  }

  function tabelaDfds(d) {
    var linhas = d.registros.map(function (r) {
      var tds = [
        h('td', {}, [h('p-tablecheckbox', {}, [h('input', { type: 'checkbox', 'aria-label': 'Selecionar' })])]),
        h('td', {}, [h('span', { 'class': 'pi pi-lock-open', title: 'Público' })]),
        h('td', { text: UASG }),
        h('td', { text: r.dfd }),
        h('td', { text: r.prioridade }),
        h('td', { text: r.requisitante }),
        h('td', { text: r.descricao }),
        h('td', { text: r.valor }),
        h('td', {}, [h('span', { 'class': 'situacao', text: r.situacao })]),
        h('td', {}, [
          h('button', { type: 'button', 'class': 'br-button circle small', title: 'Visualizar DFD', 'aria-label': 'Visualizar DFD',
                        'data-identificador': r.identificador, onclick: function () { abrirDetalhe(r.identificador); } }, [h('i', { 'class': 'fas fa-eye', text: '👁' })]),
          h('button', { type: 'button', 'class': 'br-button circle small', title: 'Criar a partir de existente' }, [h('i', { 'class': 'fas fa-copy', text: '⧉' })]),
          h('button', { type: 'button', 'class': 'br-button circle small', title: 'Compartilhar' }, [h('i', { 'class': 'fas fa-share', text: '↗' })])
        ])
      ];
      return h('tr', { 'class': 'ng-star-inserted' }, tds);
    });
    if (linhas.length === 0) {
      linhas = [h('tr', {}, [h('td', { colspan: String(COLS.length), text: 'Nenhum registro encontrado' })])];
    }
    return h('p-table', { 'class': 'p-element' }, [h('div', { 'class': 'p-datatable p-component' }, [
      h('div', { 'class': 'p-datatable-wrapper' }, [h('table', { role: 'table', 'class': 'p-datatable-table' }, [
        h('thead', { 'class': 'p-datatable-thead' }, [h('tr', {}, COLS.map(function (c) { return h('th', { text: c }); }))]),
        h('tbody', { 'class': 'p-element p-datatable-tbody' }, linhas)
      ])]),
      paginador(d)
    ])]);
  }

  function renderResultados() {
    ['meusdfds', 'minhauasg'].forEach(function (id) {
      var box = document.getElementById(id);
      if (!box) return;
      box.textContent = '';
      var ativo = (id === 'minhauasg') === (state.escopo === 'uasg');
      box.style.display = ativo ? '' : 'none';
      if (ativo && state.dados) {
        box.appendChild(h('app-artefato-list-resultado', {}, [h('div', {}, [h('div', { 'class': 'row' }, [h('div', { 'class': 'col' }, [tabelaDfds(state.dados)])])])]));
      }
    });
  }

  function viewDfds() {
    main.textContent = '';
    var radio = function (id, valor, texto) {
      return h('div', { 'class': 'br-radio' }, [
        h('input', { type: 'radio', id: id, name: 'escopo', value: valor, checked: state.escopo === valor,
                     onchange: function () { state.escopo = valor; state.dados = null; renderResultados(); carregarDfds(1); } }),
        h('label', { 'for': id, text: texto })
      ]);
    };
    main.appendChild(h('div', { 'class': 'cabecalho' }, [
      h('h1', { text: 'Documentos de Formalização da Demanda' }),
      h('button', { type: 'button', 'class': 'br-button secondary', onclick: function () { state.view = 'formacao'; state.pca = null; render(); } }, [h('span', { text: 'Formação do PCA' })])
    ]));
    main.appendChild(h('div', { id: 'mensagens' }));
    main.appendChild(h('div', { 'class': 'filtros' }, [
      dropdown(function (ano) { state.pca = ano; carregarDfds(1); }),
      h('input', { type: 'text', placeholder: 'Termo a ser pesquisado', id: 'termo' }),
      h('button', { type: 'button', 'class': 'br-button primary circle', 'aria-label': 'Pesquisar', onclick: function () { carregarDfds(1); } }, [h('i', { 'class': 'fas fa-search', text: '🔍' })])
    ]));
    main.appendChild(h('div', { 'class': 'abas' }, [radio('meus-dfds', 'meus', 'Meus DFDs'), radio('minha-uasg', 'uasg', 'DFDs da minha UASG')]));
    main.appendChild(h('div', { id: 'meusdfds' }));
    main.appendChild(h('div', { id: 'minhauasg' }));
    renderResultados();
  }

  // DFD detail modal --------------------------------------------------------------------------
  function abrirDetalhe(identificador) {
    api('/dfd/' + identificador, function (d) {
      var respTable = h('div', { style: 'display:none' }, [h('p-table', { 'class': 'p-element' }, [h('div', {}, [h('div', {}, [h('table', {}, [
        h('thead', {}, [h('tr', {}, [h('th', { text: 'Nome' }), h('th', { text: 'Perfil' })])]),
        h('tbody', {}, d.responsaveis.map(function (n) { return h('tr', {}, [h('td', { text: n }), h('td', { text: 'Editor' })]); }))
      ])])])])]);
      var fundo = h('div', { 'class': 'modal-fundo', id: 'modal-dfd' });
      var caixa = h('div', { 'class': 'modal-caixa', role: 'dialog' }, [
        h('div', { 'class': 'modal-cabecalho' }, [h('p', { text: ' Detalhar Documento de Formalização da Demanda ' })]),
        h('div', { 'class': 'conteudo-modal-rolante' }, [h('etp-fieldset', {}, [h('div', {}, [
          h('div', { 'class': 'icone-fieldset' }, [h('span', { text: 'DFD ' + d.dfd })]),
          h('div', { 'class': 'row' }, [h('div', { 'class': 'col' }, [
            h('div', {}, [h('label', { text: 'Data prevista para conclusão' })]),
            h('div', {}, [h('p', { text: d.data_conclusao })]),
            h('div', {}, [h('label', { text: 'Editor' })]),
            h('div', {}, [h('p', { text: d.editor })])
          ])]),
          h('div', { 'class': 'justificativa' }, [h('label', { text: 'Justificativa da necessidade' }), h('p', { text: d.justificativa })]),
          h('div', {}, [h('label', { text: 'Área requisitante' }), h('p', { text: d.requisitante })]),
          h('div', {}, [h('label', { text: 'Descrição sucinta do objeto' }), h('p', { text: d.descricao })]),
          h('div', {}, [h('label', { text: 'Grau de prioridade' }), h('p', { text: d.prioridade })]),
          h('div', {}, [h('button', { type: 'button', 'class': 'br-button secondary', onclick: function () { respTable.style.display = ''; } }, ['Responsáveis (' + d.responsaveis.length + ')'])]),
          respTable
        ])])]),
        h('div', { 'class': 'modal-rodape' }, [h('span', {}, [h('button', { type: 'button', 'class': 'br-button primary', onclick: function () { fundo.remove(); } }, ['Fechar'])])])
      ]);
      fundo.appendChild(caixa);
      document.body.appendChild(fundo);
    });
  }

  // Formação do PCA ---------------------------------------------------------------------------
  var ABAS = [['reprovadas', 'Reprovadas'], ['aprovadas', 'Aprovadas'], ['pendentes', 'Pendentes']];

  function carregarTotais() {
    api('/contratacoes/totais?pca=' + state.pca, function (t) {
      state.abas = {};
      state.totalEmAbaVazia = t.total_em_aba_vazia !== false;
      ABAS.forEach(function (a) { state.abas[a[0]] = { total: t[a[0]], itens: [], carregando: false, iniciada: false }; });
      renderFormacao();
      ativarAba(state.abaAtiva);
    });
  }

  function carregarCards(aba) {
    var s = state.abas[aba];
    if (s.carregando || s.itens.length >= s.total) return;
    s.carregando = true;
    api('/contratacoes?pca=' + state.pca + '&aba=' + aba + '&offset=' + s.itens.length, function (d) {
      s.total = d.total;
      var tbody = document.querySelector('div[aria-labelledby="contratacoes-' + aba + '"] tbody');
      d.registros.forEach(function (c) { s.itens.push(c); anexarCard(tbody, aba, c); });
    }).then(function () { s.carregando = false; });
  }

  function campo(rotulo, valor) { return h('div', {}, [h('label', { text: rotulo }), h('p', { text: valor })]); }

  function anexarCard(tbody, aba, c) {
    if (!tbody) return;
    var vazio = tbody.firstElementChild;
    if (vazio && vazio.className === 'sem-registros') vazio.remove();
    var topo = h('div', {}, [h('div', { 'class': 'd-flex' }, [
      h('div', { 'class': 'icone' }, [h('i', { 'class': 'fas fa-file-contract' })]),
      h('div', {}, [h('a', { href: 'javascript:void(0)', 'class': 'link-contratacao', text: c.contratacao }),
                    aba === 'pendentes' ? h('div', { 'class': 'badge' }, [h('span', { text: c.badge })]) : null])
    ])]);
    var conteudo = h('div', { 'class': 'card-contratacao' }, [
      topo,
      campo('Descrição', c.descricao),
      campo('Categoria', c.categoria),
      campo('Unidade requisitante', c.requisitante),
      campo('Valor total estimado', c.valor),
      campo('Data de início', c.inicio),
      campo('Data de término', c.fim),
      aba === 'pendentes' ? null : campo('Situação', c.badge)
    ]);
    tbody.appendChild(h('div', { 'class': 'ng-star-inserted' }, [h('p-card', { 'class': 'p-element' }, [h('div', { 'class': 'p-card p-component' }, [
      h('div', { 'class': 'p-card-body' }, [h('div', { 'class': 'p-card-content' }, [h('div', { 'class': 'row' }, [conteudo])])])
    ])])]));
  }

  function ativarAba(aba) {
    state.abaAtiva = aba;
    ABAS.forEach(function (a) {
      var link = document.getElementById('contratacoes-' + a[0]);
      var painel = document.querySelector('div[aria-labelledby="contratacoes-' + a[0] + '"]');
      if (link) link.className = 'nav-link' + (a[0] === aba ? ' active' : '');
      if (painel) painel.style.display = a[0] === aba ? '' : 'none';
    });
    var s = state.abas && state.abas[aba];
    if (s && !s.iniciada) { s.iniciada = true; carregarCards(aba); }
  }

  function painelAba(aba) {
    var s = state.abas[aba];
    var tbody = h('tbody', { 'class': 'p-element p-datatable-tbody' });
    if (s.total === 0) tbody.appendChild(h('div', { 'class': 'sem-registros' }, [h('span', { text: 'Nenhuma contratação encontrada.' })]));
    var wrapper = h('div', { 'class': 'p-datatable-wrapper' }, [h('table', { role: 'table' }, [
      h('thead', { 'class': 'p-datatable-thead' }, [h('div', {}, [h('div', {}, [h('div', {}, [h('div', { 'class': 'cabecalho-lista' }, [
        h('div', {}, [h('span', { text: 'Contratações' })]),
        s.total > 0 || state.totalEmAbaVazia ? h('div', {}, [h('label', { text: 'Total de registros: ' + s.total })]) : null
      ])])])])]),
      tbody
    ])]);
    wrapper.addEventListener('scroll', function () {
      if (wrapper.scrollTop + wrapper.clientHeight >= wrapper.scrollHeight - 40) carregarCards(aba);
    });
    return h('div', { role: 'tabpanel', 'aria-labelledby': 'contratacoes-' + aba, 'class': 'tab-pane', style: 'display:none' }, [
      h('div', { 'class': 'search-results' }, [h('div', {}, [h('p-table', { 'class': 'p-element' }, [h('div', { 'class': 'p-datatable p-component' }, [wrapper])])])])
    ]);
  }

  function renderFormacao() {
    var box = document.getElementById('formacao-conteudo');
    box.textContent = '';
    if (!state.abas) return;
    box.appendChild(h('ul', { 'class': 'nav-tabs', role: 'tablist' }, ABAS.map(function (a) {
      return h('li', { role: 'presentation' }, [h('a', { id: 'contratacoes-' + a[0], role: 'tab', 'class': 'nav-link', href: 'javascript:void(0)',
        onclick: function () { ativarAba(a[0]); } }, [a[1] + ' (' + state.abas[a[0]].total + ')'])]);
    })));
    box.appendChild(h('div', { 'class': 'tab-content' }, ABAS.map(function (a) { return painelAba(a[0]); })));
  }

  function viewFormacao() {
    main.textContent = '';
    state.abas = null;
    main.appendChild(h('div', { 'class': 'cabecalho' }, [
      h('h1', { text: 'Formação do PCA' }),
      h('button', { type: 'button', 'class': 'br-button secondary', onclick: function () { state.view = 'dfds'; state.pca = null; state.dados = null; render(); } }, [h('span', { text: 'Documentos de Formalização da Demanda' })])
    ]));
    main.appendChild(h('div', { id: 'mensagens' }));
    main.appendChild(h('div', { 'class': 'filtros' }, [dropdown(function (ano) { state.pca = ano; state.abaAtiva = 'reprovadas'; carregarTotais(); })]));
    main.appendChild(h('div', { id: 'formacao-conteudo' }));
    if (state.pca) carregarTotais();
  }

  function render() { if (state.view === 'formacao') viewFormacao(); else viewDfds(); }

  // boot: the list of PCAs comes first, behind the spinner
  state.pca = null;
  render();
  api('/pcas', function (pcas) { state.pcas = pcas; });
})();
