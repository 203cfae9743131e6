"""The PGC replica over HTTP, in-process (no browser): logins, sessions, faults, truth."""

from __future__ import annotations

from tests.support import fetch, serve

LOGIN = "/seguro/loginPortal.asp"
AREA = "/comprasnet-area-trabalho-web/seguro/governo/area-trabalho"
API = "/comprasnet-artefatos/api/v1/sandbox"


async def post_form(client, path, data):
    async with client.post(path, data=data, allow_redirects=False) as response:
        return response.status, response.headers.get("Location"), await response.text()


def test_legacy_login_messages_and_blocking():
    async def scenario(client):
        out = {}
        out["wrong"] = await post_form(client, LOGIN, {"txtLogin": "999.999.999-99", "txtSenha": "x"})
        out["expired"] = await post_form(client, LOGIN, {"txtLogin": "99999999888", "txtSenha": "sandbox-demo"})
        out["ok"] = await post_form(client, LOGIN, {"txtLogin": "99999999999", "txtSenha": "sandbox-demo"})
        for _ in range(5):
            out["blocked"] = await post_form(client, LOGIN, {"txtLogin": "12345678909", "txtSenha": "x"})
        out["stats"] = (await fetch(client, "/__sandbox__/pgc/stats"))[1]
        return out

    out = serve(scenario)
    assert out["wrong"][0] == 200 and "CPF e/ou senha inválidos" in out["wrong"][2]
    assert "senha EXPIRADA" in out["expired"][2]
    assert out["ok"][:2] == (302, AREA)
    assert "Senha BLOQUEADA" in out["blocked"][2]
    assert out["stats"]["logins"] == 1


def test_api_needs_a_session_that_expires_and_faults_switch_through_the_shared_endpoint():
    async def scenario(client):
        out = {}
        out["anon"] = (await fetch(client, f"{API}/pcas"))[0]
        out["set"] = await fetch(
            client, "/__sandbox__/faults", "POST", {"pgc": {"session_ttl_s": 0, "spinner_ms": 0, "page_size": 10}}
        )
        out["bad"] = await fetch(client, "/__sandbox__/faults", "POST", {"pgc": {"nonsense": 1}})
        await post_form(client, LOGIN, {"txtLogin": "99999999999", "txtSenha": "sandbox-demo"})
        out["expired"] = (await fetch(client, f"{API}/dfds?pca=2025&pagina=1"))[0]
        await fetch(client, "/__sandbox__/faults", "POST", {"pgc": {"spinner_ms": 0, "page_size": 10}})
        await post_form(client, LOGIN, {"txtLogin": "99999999999", "txtSenha": "sandbox-demo"})
        out["page"] = (await fetch(client, f"{API}/dfds?pca=2025&escopo=uasg&pagina=24"))[1]
        out["truth"] = (await fetch(client, "/__sandbox__/truth/pgc-dfds?ano=2025"))[1]
        out["cards"] = (await fetch(client, "/__sandbox__/truth/pgc-contratacoes?ano=2025"))[1]
        out["reset"] = (await fetch(client, "/__sandbox__/faults", "DELETE"))[1]
        out["scale"] = await fetch(client, "/__sandbox__/pgc/dataset", "POST", {"ano": 2025, "dfds": 10001})
        attended = await fetch(client, "/__sandbox__/pgc/attended/complete", "POST", {"cpf": "1", "senha": "2"})
        out["attended"] = attended[0]
        return out

    out = serve(scenario)
    assert out["anon"] == 401
    assert out["set"][0] == 200 and out["set"][1]["pgc"]["session_ttl_s"] == 0
    assert out["set"][1]["latency_ms"] == 0  # the PNCP set is still there, all off
    assert out["bad"][0] == 400
    assert out["expired"] == 401
    page, truth = out["page"], out["truth"]["registros"]
    assert (page["pagina"], page["paginas"], page["total"]) == (24, 24, 237)
    assert [r["dfd"] for r in page["registros"]] == [r["dfd"] for r in truth[230:]]
    assert len(out["cards"]["registros"]) == 57
    assert out["reset"]["pgc"]["page_size"] == 20 and out["reset"]["pgc"]["session_ttl_s"] is None
    assert out["scale"][0] == 400
    assert out["attended"] == 409
