async def test_health_and_readiness(client) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ready"}


async def test_unknown_route_is_problem_json(client) -> None:
    response = await client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 404 and body["code"] == "http.not_found"


async def test_openapi_is_served(client) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "finplat"


async def test_openapi_documents_every_error_as_a_problem(client) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert spec["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status",
                                                                     "code"]
    operations = [operation for item in spec["paths"].values() for operation in item.values()]
    assert operations
    for operation in operations:
        for status in ("422", "4XX", "5XX"):
            content = operation["responses"][status]["content"]
            assert list(content) == ["application/problem+json"]
            assert content["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"}
