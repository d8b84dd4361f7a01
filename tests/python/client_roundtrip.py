"""A client generated from openapi/weft.json by openapi-python-client creates and searches a record.

Usage: python client_roundtrip.py <base-url> <api-key>  (run by tests/python/run.sh)
"""

import sys

from weft_client import Client
from weft_client.api.data import post_api_create_data, post_api_search_data
from weft_client.models import (
    CreateDataParams,
    CreateDataRequest,
    CreateVals,
    CreateValsPayload,
    SearchDataParams,
    SearchDataRequest,
    SearchPayload,
    SearchVals,
)


def main(base_url: str, api_key: str) -> None:
    client = Client(base_url=base_url, headers={"x-api-key": api_key})

    payload = CreateValsPayload()
    payload["name"] = "Generated Client Ltd"
    payload["ref"] = "PYCLIENT-1"
    request = CreateDataRequest(
        jsonrpc="2.0",
        method="call",
        id=1,
        params=CreateDataParams(model="res.partner", vals=CreateVals(payload=payload, result_field=["name"])),
    )
    created = post_api_create_data.sync(client=client, body=request)
    assert created is not None, "no reply"
    assert created.result.is_success, created.to_dict()
    partner_id = created.result.result["id"]
    assert created.result.result["name"] == "Generated Client Ltd", created.to_dict()

    search = SearchDataRequest(
        params=SearchDataParams(
            model="res.partner",
            vals=SearchVals(payload=SearchPayload(search_field=["name", "ref"], search_domain="[('ref', '=', 'PYCLIENT-1')]", limit=5)),
        )
    )
    found = post_api_search_data.sync(client=client, body=search)
    assert found is not None and found.result.is_success, found and found.to_dict()
    assert found.result.result == [{"id": partner_id, "name": "Generated Client Ltd", "ref": "PYCLIENT-1"}], found.to_dict()
    print(f"python client: created res.partner {partner_id} and found it again")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
