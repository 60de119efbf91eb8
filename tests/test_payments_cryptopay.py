"""The Crypto Pay client against the fake Crypto Pay API on 127.0.0.1."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from bot.payments.cryptopay import (
    CryptoPayAuthError,
    CryptoPayClient,
    CryptoPayNotSent,
    CryptoPayOutcomeUnknown,
    CryptoPayRejected,
    check_webhook_signature,
    webhook_signature,
)
from tests.fakes.cryptopay import FakeCryptoPay, Fault


async def _invoice(client: CryptoPayClient, amount: str = "10.50", payload: str = "topup:1:1"):
    return await client.create_invoice(
        amount=Decimal(amount),
        fiat="usd",
        accepted_assets=["USDT", "TON"],
        payload=payload,
        description="Top-up",
        expires_in=3600,
    )


async def test_create_invoice_sends_fiat_decimal_string(
    fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    invoice = await _invoice(cryptopay_client, "10.50")
    [params] = fake_cryptopay.calls("createInvoice")
    assert params["currency_type"] == "fiat"
    assert params["fiat"] == "USD"
    assert params["amount"] == "10.5"  # a string, never a JSON float
    assert params["accepted_assets"] == "USDT,TON"
    assert params["payload"] == "topup:1:1"
    assert params["expires_in"] == 3600
    assert all(fake_cryptopay.token not in str(v) for v in params.values())  # only in the header
    assert invoice.invoice_id in fake_cryptopay.invoices
    assert invoice.status == "active" and not invoice.is_paid
    assert invoice.amount == Decimal("10.5") and isinstance(invoice.amount, Decimal)
    assert invoice.currency == "USD"
    assert invoice.accepted_assets == ["USDT", "TON"]
    assert invoice.payload == "topup:1:1"
    assert invoice.bot_invoice_url.startswith("https://t.me/")
    assert invoice.expiration_date is not None and invoice.created_at is not None


async def test_decimals_stay_exact(
    fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    invoice = await _invoice(cryptopay_client, "0.10")
    fake_cryptopay.pay(
        invoice.invoice_id,
        asset="BTC",
        fiat_rate="64123.123456789012345678",
        paid_amount="0.000001559502938172",
    )
    # A JSON number that float could not hold exactly: must arrive as that exact decimal.
    fake_cryptopay.invoices[invoice.invoice_id].extra["paid_usd_rate"] = 0.1
    [paid] = await cryptopay_client.get_invoices(invoice_ids=[invoice.invoice_id])
    assert paid.is_paid and paid.paid_asset == "BTC"
    assert paid.amount == Decimal("0.1")
    assert paid.paid_amount == Decimal("0.000001559502938172")
    assert paid.paid_fiat_rate == Decimal("64123.123456789012345678")
    assert paid.paid_usd_rate == Decimal("0.1")  # not 0.1000000000000000055511151231257827
    assert paid.paid_fiat_value == Decimal("0.000001559502938172") * Decimal(
        "64123.123456789012345678"
    )


async def test_get_invoices_filters_and_pages(
    fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    ids = [
        (await _invoice(cryptopay_client, str(n), f"topup:{n}:1")).invoice_id for n in range(1, 6)
    ]
    fake_cryptopay.pay(ids[1])
    fake_cryptopay.expire(ids[2])
    got = await cryptopay_client.get_invoices(invoice_ids=[ids[0], ids[1], ids[2]])
    assert {i.invoice_id: i.status for i in got} == {
        ids[0]: "active",
        ids[1]: "paid",
        ids[2]: "expired",
    }
    assert [i.invoice_id for i in await cryptopay_client.get_invoices(status="paid")] == [ids[1]]
    page1 = await cryptopay_client.get_invoices(count=2)
    page2 = await cryptopay_client.get_invoices(count=2, offset=2)
    page3 = await cryptopay_client.get_invoices(count=2, offset=4)
    seen = [i.invoice_id for i in page1 + page2 + page3]
    assert sorted(seen) == sorted(ids) and len(page3) == 1
    assert await cryptopay_client.get_invoices(invoice_ids=[]) == []
    assert fake_cryptopay.calls("getInvoices")[0]["invoice_ids"] == ",".join(map(str, ids[:3]))


async def test_expires_in_is_honoured(
    fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    invoice = await _invoice(cryptopay_client)
    fake_cryptopay.advance(3601)
    [again] = await cryptopay_client.get_invoices(invoice_ids=[invoice.invoice_id])
    assert again.is_expired


async def test_delete_and_get_me(
    fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    invoice = await _invoice(cryptopay_client)
    assert await cryptopay_client.delete_invoice(invoice.invoice_id) is True
    with pytest.raises(CryptoPayRejected) as info:
        await cryptopay_client.delete_invoice(invoice.invoice_id)
    assert info.value.name == "INVOICE_NOT_FOUND" and info.value.http_status == 400
    assert await cryptopay_client.get_invoices(invoice_ids=[invoice.invoice_id]) == []
    me = await cryptopay_client.get_me()
    assert me.app_id == 12345 and me.payment_processing_bot_username == "CryptoBot"


async def test_rejected_is_typed_and_not_retried(
    fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    with pytest.raises(CryptoPayRejected) as info:
        await cryptopay_client.create_invoice(
            amount=Decimal(1),
            fiat="USD",
            accepted_assets=["DOGE"],
            payload="topup:1:1",
            description="x",
            expires_in=60,
        )
    assert info.value.name == "ACCEPTED_ASSETS_INVALID"
    assert not isinstance(info.value, CryptoPayAuthError)
    assert len(fake_cryptopay.calls("createInvoice")) == 1 and not fake_cryptopay.invoices


async def test_bad_arguments_are_refused_before_sending(
    fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    base = {
        "amount": Decimal(1),
        "fiat": "USD",
        "accepted_assets": ["USDT"],
        "payload": "p",
        "description": "d",
        "expires_in": 60,
    }
    for change in (
        {"fiat": "XYZ"},
        {"amount": Decimal(0)},
        {"amount": Decimal("-1")},
        {"amount": Decimal("NaN")},
        {"accepted_assets": []},
        {"expires_in": 0},
        {"payload": "x" * 4097},
    ):
        with pytest.raises(ValueError):
            await cryptopay_client.create_invoice(**{**base, **change})  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        await cryptopay_client.get_invoices(count=0)
    assert fake_cryptopay.requests == []


async def test_wrong_token_is_auth_error_and_never_shown(
    fake_cryptopay: FakeCryptoPay, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "99999:AAwrongSECRETtoken"
    fake_cryptopay.echo_token = True  # the error text repeats the token received
    caplog.set_level(logging.DEBUG)
    async with CryptoPayClient(secret, fake_cryptopay.url, backoff=0) as bad:
        assert secret not in repr(bad)
        with pytest.raises(CryptoPayAuthError) as info:
            await bad.get_me()
    error = info.value
    assert error.http_status == 401 and error.name.startswith("UNAUTHORIZED")
    for text in (str(error), repr(error), error.message, error.name, caplog.text):
        assert secret not in text
        assert "SECRET" not in text
    assert "<token>" in error.name


async def test_lost_create_answer_is_outcome_unknown_and_not_resent(
    fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    """createInvoice is not idempotent: a dropped answer may hide a created invoice."""
    fake_cryptopay.fail_next(Fault.DROP, methods={"createInvoice"})
    with pytest.raises(CryptoPayOutcomeUnknown):
        await _invoice(cryptopay_client, payload="topup:77:5")
    assert len(fake_cryptopay.calls("createInvoice")) == 1  # sent once, never retried
    [created] = fake_cryptopay.invoices.values()  # ... and it does exist: find it by its payload
    found = [i for i in await cryptopay_client.get_invoices() if i.payload == "topup:77:5"]
    assert [i.invoice_id for i in found] == [created.invoice_id]


@pytest.mark.parametrize("fault", [Fault.HTTP_500, Fault.HTML_502, Fault.GARBAGE, Fault.HUGE])
async def test_bad_answers_to_create_are_outcome_unknown(
    fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient, fault: Fault
) -> None:
    fake_cryptopay.fail_next(fault)
    with pytest.raises(CryptoPayOutcomeUnknown) as info:
        await _invoice(cryptopay_client)
    assert len(fake_cryptopay.calls("createInvoice")) == 1
    assert fake_cryptopay.token not in str(info.value)
    if fault is Fault.HUGE:
        assert "too large" in str(info.value)


async def test_rate_limited_and_refused_are_not_sent(
    fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    fake_cryptopay.fail_next(Fault.RATE_LIMIT)
    with pytest.raises(CryptoPayNotSent):
        await _invoice(cryptopay_client)
    assert not fake_cryptopay.invoices  # nothing was created: safe to send again
    await fake_cryptopay.refuse()
    with pytest.raises(CryptoPayNotSent):
        await _invoice(cryptopay_client)
    with pytest.raises(CryptoPayNotSent):
        await cryptopay_client.get_me()  # reads are retried, then give up the same way
    await fake_cryptopay.start()
    assert (await _invoice(cryptopay_client)).invoice_id in fake_cryptopay.invoices


async def test_slow_answer_is_outcome_unknown(fake_cryptopay: FakeCryptoPay) -> None:
    fake_cryptopay.delay = 1.0
    async with CryptoPayClient(
        fake_cryptopay.token, fake_cryptopay.url, read_timeout=0.2, retries=0
    ) as slow:
        with pytest.raises(CryptoPayOutcomeUnknown, match="no answer in time"):
            await _invoice(slow)


async def test_reads_are_retried(
    fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    invoice = await _invoice(cryptopay_client)
    fake_cryptopay.fail_next(Fault.DROP, methods={"getInvoices"})
    fake_cryptopay.fail_next(Fault.HTTP_500, methods={"getInvoices"})
    [again] = await cryptopay_client.get_invoices(invoice_ids=[invoice.invoice_id])
    assert again.invoice_id == invoice.invoice_id
    assert len(fake_cryptopay.calls("getInvoices")) == 3


async def test_malformed_result_is_outcome_unknown(
    fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    invoice = await _invoice(cryptopay_client)
    fake_cryptopay.invoices[invoice.invoice_id].extra["amount"] = "ten"
    with pytest.raises(CryptoPayOutcomeUnknown, match=r"malformed result \(items.0.amount\)"):
        await cryptopay_client.get_invoices(invoice_ids=[invoice.invoice_id])


async def test_webhook_signature(
    fake_cryptopay: FakeCryptoPay, cryptopay_client: CryptoPayClient
) -> None:
    invoice = await _invoice(cryptopay_client)
    fake_cryptopay.pay(invoice.invoice_id)
    body, headers = fake_cryptopay.webhook(invoice.invoice_id)
    signature = headers["crypto-pay-api-signature"]
    assert webhook_signature(fake_cryptopay.token, body) == signature
    assert check_webhook_signature(fake_cryptopay.token, body, signature)
    assert check_webhook_signature(fake_cryptopay.token, body, signature.upper())
    assert not check_webhook_signature(fake_cryptopay.token, body + b" ", signature)
    assert not check_webhook_signature(
        fake_cryptopay.token, body.replace(b'"paid"', b'"PAID"'), signature
    )
    assert not check_webhook_signature("1:other", body, signature)
    assert not check_webhook_signature(fake_cryptopay.token, body, None)
    assert not check_webhook_signature(fake_cryptopay.token, body, "")
    _, forged = fake_cryptopay.webhook(invoice.invoice_id, token="1:attacker")
    assert not check_webhook_signature(
        fake_cryptopay.token, body, forged["crypto-pay-api-signature"]
    )
