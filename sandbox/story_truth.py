"""What the `geral` and `mudancas` reports must say, computed from the replicas' own truths.

Independent of the project's SQL: the rows each crawl must store (the PGC DFD list, the Formação
cards, `pncp_demandas`) are lined up here in plain Python with the rules the report documents.
"""

from __future__ import annotations

from decimal import Decimal

from sandbox.truth import pncp_demandas

FINDING_ORDER = (
    "SO_NO_PGC",
    "APROVADA_NAO_PUBLICADA",
    "PNCP_SEM_DFD_NO_PGC",
    "CANCELADO_NO_PLANO",
    "VALOR_DIVERGENTE",
    "DATAS_DIVERGENTES",
    "DFD_DUPLICADO",
)


def money(text: str | None) -> Decimal | None:
    """`R$ 1.234,56` (screen) or `1234.56` (API) → Decimal; empty → None."""
    if not text:
        return None
    if text.startswith("R$"):
        text = text[2:].strip().replace(".", "").replace(",", ".")
    return Decimal(text).quantize(Decimal("0.01"))


def iso_from_br(text: str | None) -> str | None:
    if not text:
        return None
    d, m, y = text.split("/")
    return f"{y}-{m}-{d}"


def stored_pgc(dfds: list[dict]) -> list[dict]:
    return [
        {
            "chave": r["dfd"],
            "dfd": r["dfd"],
            "contratacao": None,
            "descricao": r["descricao"],
            "valor": money(r["valor"]),
            "status": r["situacao"],
            "requisitante": r["requisitante"],
        }
        for r in dfds
    ]


def stored_formacao(cards: list[dict]) -> list[dict]:
    return [
        {
            "chave": c["contratacao"],
            "dfd": c["dfd"],
            "contratacao": c["contratacao"],
            "descricao": c["descricao"],
            "valor": money(c["valor"]),
            "status": c["status"],
            "data_inicio": iso_from_br(c["inicio"]),
            "data_fim": iso_from_br(c["fim"]),
            "categoria": c["categoria"],
            "requisitante": c["requisitante"],
        }
        for c in cards
    ]


def stored_pncp(dataset, ano: int, cnpj: str) -> list[dict]:
    out = []
    for d in pncp_demandas(dataset, ano, cnpj)["demandas"]:
        chave = f"{d['uasg']}/{d['sequencial_pca']}|{d['contratacao'] or ''}|{d['dfd'] or ''}"
        out.append(
            {
                "chave": chave,
                "dfd": d["dfd"],
                "contratacao": d["contratacao"],
                "descricao": d["descricao"],
                "valor": money(d["valor"]),
                "status": d["status"],
                "data_inicio": d["data_inicio"],
                "data_fim": d["data_fim"],
                "data_desejada": d["data_desejada"],
                "categoria": d["categoria"],
                "uasg": d["uasg"],
            }
        )
    return out


def _key(row: dict) -> str:
    return row["dfd"] or f"sem DFD: {row['contratacao'] or row['chave']}"


def _aggregate(rows: list[dict]) -> dict[str, dict]:
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(_key(row), []).append(row)
    out = {}
    for key, items in groups.items():
        valores = [r["valor"] for r in items if r["valor"] is not None]
        inicios = [r["data_inicio"] for r in items if r.get("data_inicio")]
        fins = [r["data_fim"] for r in items if r.get("data_fim")]
        out[key] = {
            "n": len(items),
            "valor": sum(valores) if valores else None,
            "status": ", ".join(sorted({r["status"] for r in items if r["status"]})) or None,
            "contratacao": ", ".join(sorted({r["contratacao"] for r in items if r["contratacao"]})) or None,
            "inicio": min(inicios) if inicios else None,
            "fim": max(fins) if fins else None,
            "aprovada": any(r["status"] == "APROVADA" for r in items),
            "cancelado": any((r["status"] or "").lower().startswith(("cancel", "devolvid")) for r in items),
            "dfd": items[0]["dfd"],
        }
    return out


def geral(
    pgc: list[dict] | None, formacao: list[dict] | None, pncp: list[dict] | None, tolerance: Decimal = Decimal("0.01")
) -> dict:
    """Rows and summary of the reconciliation; a source given as None has no coleta (missing)."""
    a = {
        name: _aggregate(rows) if rows is not None else {}
        for name, rows in (("pgc", pgc), ("formacao", formacao), ("pncp", pncp))
    }
    has = {"pgc": pgc is not None, "formacao": formacao is not None, "pncp": pncp is not None}
    out = []
    for key in sorted(set(a["pgc"]) | set(a["formacao"]) | set(a["pncp"])):
        p, f, n = a["pgc"].get(key), a["formacao"].get(key), a["pncp"].get(key)
        achados = set()
        if has["pgc"] and (has["formacao"] or has["pncp"]) and p and not f and not n:
            achados.add("SO_NO_PGC")
        if has["formacao"] and has["pncp"] and f and f["aprovada"] and not n:
            achados.add("APROVADA_NAO_PUBLICADA")
        if has["pgc"] and has["pncp"] and n and not p:
            achados.add("PNCP_SEM_DFD_NO_PGC")
        if has["pgc"] and p and p["cancelado"] and (f or n):
            achados.add("CANCELADO_NO_PLANO")
        valores = [s["valor"] for s in (p, f, n) if s and s["valor"] is not None]
        if valores and max(valores) - min(valores) > tolerance:
            achados.add("VALOR_DIVERGENTE")
        if f and n and f["inicio"] and n["inicio"] and (f["inicio"], f["fim"]) != (n["inicio"], n["fim"]):
            achados.add("DATAS_DIVERGENTES")
        dfd = next((s["dfd"] for s in (p, f, n) if s and s["dfd"]), None)
        if dfd and any(s and s["n"] > 1 for s in (p, f, n)):
            achados.add("DFD_DUPLICADO")
        referencia = next((s["valor"] for s in (p, f, n) if s and s["valor"] is not None), None)
        out.append(
            {
                "chave": key,
                "dfd": dfd,
                "pgc_situacao": p and p["status"],
                "pgc_valor": _s(p and p["valor"]),
                "formacao_contratacao": f and f["contratacao"],
                "formacao_status": f and f["status"],
                "formacao_inicio": f and f["inicio"],
                "formacao_fim": f and f["fim"],
                "formacao_valor": _s(f and f["valor"]),
                "pncp_contratacao": n and n["contratacao"],
                "pncp_valor": _s(n and n["valor"]),
                "pncp_inicio": n and n["inicio"],
                "pncp_fim": n and n["fim"],
                "valor_referencia": _s(referencia),
                "achados": [c for c in FINDING_ORDER if c in achados],
            }
        )
    resumo: dict[str, dict] = {}
    for row in out:
        for code in row["achados"]:
            entry = resumo.setdefault(code, {"quantidade": 0, "valor": Decimal("0.00")})
            entry["quantidade"] += 1
            entry["valor"] += Decimal(row["valor_referencia"] or "0")
    return {
        "rows": out,
        "resumo": {c: {"quantidade": v["quantidade"], "valor": str(v["valor"])} for c, v in sorted(resumo.items())},
        "fontes_ausentes": [name.upper() for name, present in has.items() if not present],
    }


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def mudancas(before: list[dict], after: list[dict]) -> list[dict]:
    """Added, removed and changed rows between two versions of one source's stored rows."""
    old = {r["chave"]: r for r in before}
    new = {r["chave"]: r for r in after}
    out = []
    for chave in sorted(set(old) | set(new)):
        a, b = old.get(chave), new.get(chave)
        if a is None or b is None:
            row = b or a
            out.append(
                {
                    "tipo": "incluida" if a is None else "removida",
                    "chave": chave,
                    "dfd": row["dfd"],
                    "contratacao": row["contratacao"],
                    "campo": None,
                    "antes": None,
                    "depois": None,
                }
            )
            continue
        for campo in sorted(set(a) | set(b)):
            if campo != "chave" and a.get(campo) != b.get(campo):
                out.append(
                    {
                        "tipo": "alterada",
                        "chave": chave,
                        "dfd": b["dfd"],
                        "contratacao": b["contratacao"],
                        "campo": campo,
                        "antes": _s(a.get(campo)),
                        "depois": _s(b.get(campo)),
                    }
                )
    return out
