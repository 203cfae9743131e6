// Live state of the execução: polls /api/execucao every 2 s and redraws the card (no framework).
(function () {
  var corpo = document.getElementById("execucao-corpo");
  var cancelar = document.getElementById("form-cancelar");
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function numero(n) { return Number(n).toLocaleString("pt-BR"); }
  function tempo(s) { var m = Math.floor(s / 60); return m + " min " + String(s % 60).padStart(2, "0") + " s"; }
  function desenha(dados) {
    var ex = dados.execucao;
    corpo.textContent = "";
    if (!ex) { corpo.appendChild(el("p", "sutil", "Nenhuma coleta iniciada por esta página.")); return; }
    corpo.appendChild(el("p", "sutil", "PCA " + ex.ano + " · iniciada por " + ex.usuario + " em " +
      new Date(ex.iniciada_em).toLocaleString("pt-BR", {timeZone: "America/Sao_Paulo"}) +
      (ex.cancelada ? " · cancelada por " + ex.cancelada_por : "")));
    ex.passos.forEach(function (p) {
      var bloco = el("div", "passo estado-" + p.estado);
      bloco.dataset.fonte = p.fonte;
      var titulo = el("div", "passo-titulo");
      titulo.appendChild(el("strong", "", p.fonte_label));
      titulo.appendChild(el("span", "selo estado", p.estado_label));
      if (p.coleta) {
        var a = el("a", "selo status-" + p.coleta.status, "coleta " + p.coleta.id + ": " + p.coleta.status_label +
          " · " + numero(p.coleta.demandas) + " demandas");
        a.href = "/coletas/" + p.coleta.id;
        titulo.appendChild(a);
      }
      bloco.appendChild(titulo);
      if (p.erro) bloco.appendChild(el("p", "alerta erro", p.erro));
      if (p.estado === "finished" && !p.coleta) {
        bloco.appendChild(el("p", "alerta erro", "O job terminou sem criar uma coleta (argumentos ou configuração " +
          "recusados antes do início). Veja o log do job " + p.job_id + " no scrapyd."));
      }
      var espera = p.coleta && p.coleta.aguardando_login;
      if (espera) {
        var aviso = el("div", "alerta atencao login");
        aviso.appendChild(el("strong", "", "O PGC aguarda o login de uma pessoa. "));
        aviso.appendChild(document.createTextNode("Abra o navegador da coleta, entre no Compras.gov.br e a coleta continua sozinha. "));
        if (espera.novnc_url) {
          var link = el("a", "botao", "Abrir o navegador (noVNC)");
          link.href = espera.novnc_url; link.target = "_blank"; link.rel = "noopener"; link.id = "novnc";
          aviso.appendChild(link);
        }
        aviso.appendChild(el("span", "restante", " Tempo restante: " + tempo(espera.segundos_restantes)));
        bloco.appendChild(aviso);
      }
      if (p.linhas.length) {
        var pre = el("pre", "log");
        pre.textContent = p.linhas.join("\n");
        bloco.appendChild(pre);
      }
      corpo.appendChild(bloco);
    });
    if (cancelar) cancelar.hidden = !ex.ativa || ex.cancelada;  // one graceful cancel per execução
    document.getElementById("execucao-titulo").textContent = ex.ativa ? "Coleta em andamento" : "Última coleta iniciada aqui";
  }
  function atualiza() {
    fetch("/api/execucao", {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d) desenha(d); })
      .catch(function () {})
      .finally(function () { setTimeout(atualiza, 2000); });
  }
  atualiza();
})();
