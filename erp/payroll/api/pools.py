"""The 两个允许 pool, its account mapping, community 统筹 plans and distributions (REST under /api/v1/)."""
from __future__ import annotations

from flask import Blueprint, g

from erp.core.api_framework import API_PREFIX, api_route, paged_query
from erp.core.extensions import db
from erp.core.services import institution_by_code
from erp.payroll.schemas.pools import (DistributionCreate, DistributionSchema, IncreaseSchema, MappingItemSchema,
                                       MappingSchema, MappingUpdate, PlanCreate, PlanQuery, PlanSchema, PoolCreate,
                                       PayGapQuery, PayGapSchema, PoolParameters, PoolQuery, PoolSchema,
                                       mapping_item)
from erp.payroll.reports.pay_gap import pay_gap
from erp.payroll.services import distribution, ledger_figures, performance_pool, pooling

bp = Blueprint("payroll_pools_api", __name__, url_prefix=API_PREFIX)


@api_route(bp, "/performance-pools", permission="payroll.pool.read", summary="两个允许 performance pools (绩效工资总量)",
           query=PoolQuery, response=PoolSchema, paged=True)
def list_pools(query):
    institution_id = institution_by_code(db.session, g.user.community_id, query["institution"]).id \
        if query.get("institution") else None
    return paged_query(performance_pool.pools_query(g.user.community_id, query.get("year"), institution_id), query)


@api_route(bp, "/performance-pools", "POST", permission="payroll.pool.write", status=201, idempotent=True,
           summary="Compute an institution's pool for a year from the closed ledger year before it",
           body=PoolCreate, response=PoolSchema)
def create_pool(body):
    return performance_pool.create_pool(db.session, g.user.community_id, g.user, **body)


@api_route(bp, "/performance-pools/<int:pool_id>", permission="payroll.pool.read", summary="One pool, its figures "
           "with the ledger accounts they came from, and its checks", response=PoolSchema)
def get_pool(pool_id):
    return performance_pool.get_pool(db.session, pool_id)


@api_route(bp, "/performance-pools/<int:pool_id>/compute", "POST", permission="payroll.pool.write",
           summary="Change a draft pool's parameters and recompute it", body=PoolParameters, response=PoolSchema)
def compute_pool(pool_id, body):
    return performance_pool.recompute_pool(db.session, performance_pool.get_pool(db.session, pool_id), body, g.user)


@api_route(bp, "/performance-pools/<int:pool_id>/increases", "POST", permission="payroll.pool.write",
           summary="Add a 核增 item (with its reason) to a draft pool", body=IncreaseSchema, response=PoolSchema)
def add_increase(pool_id, body):
    return performance_pool.add_increase(db.session, performance_pool.get_pool(db.session, pool_id), body, g.user)


@api_route(bp, "/performance-pools/<int:pool_id>/approve", "POST", permission="payroll.pool.approve",
           summary="The chief accountant approves the pool", response=PoolSchema)
def approve_pool(pool_id):
    return performance_pool.approve_pool(db.session, performance_pool.get_pool(db.session, pool_id), g.user)


@api_route(bp, "/performance-pools/mapping", permission="payroll.pool.read",
           summary="The account mapping (两个允许核算口径): each item's account prefixes", response=MappingSchema)
def get_mapping():
    rows = ledger_figures.pool_mapping(db.session, g.user.community_id)
    return {"items": [mapping_item(item, found, ledger_figures.MEASURES[item]) for item, found in rows.items()]}


@api_route(bp, "/performance-pools/mapping/<item>", "PUT", permission="payroll.pool.write",
           summary="Replace one item's account prefixes (a whole-community user)", body=MappingUpdate,
           response=MappingItemSchema)
def set_mapping(item, body):
    rows = ledger_figures.set_item_accounts(db.session, g.user.community_id, g.user, item, body["accounts"])
    found = ledger_figures.PoolItem(item)
    return mapping_item(found, rows, ledger_figures.MEASURES[found])


@api_route(bp, "/pooling-plans", permission="payroll.pooling.read", summary="Community 统筹 plans",
           query=PlanQuery, response=PlanSchema, paged=True)
def list_plans(query):
    return paged_query(pooling.plans_query(g.user.community_id, query.get("year")), query)


@api_route(bp, "/pooling-plans", "POST", permission="payroll.pooling.write", status=201, idempotent=True,
           summary="The lead hospital's 统筹 of a year: τ of each institution's 奖励性 amount redistributed by "
                   "weights with tilt coefficients and the grassroots floor", body=PlanCreate, response=PlanSchema)
def create_plan(body):
    return pooling.create_plan(db.session, g.user.community_id, g.user, **body)


@api_route(bp, "/pooling-plans/<int:plan_id>", permission="payroll.pooling.read", summary="One 统筹 plan",
           response=PlanSchema)
def get_plan(plan_id):
    return pooling.get_plan(db.session, plan_id)


@api_route(bp, "/pooling-plans/<int:plan_id>/approve", "POST", permission="payroll.pooling.approve",
           summary="Approve a 统筹 plan (not by its preparer)", response=PlanSchema)
def approve_plan(plan_id):
    return pooling.approve_plan(db.session, pooling.get_plan(db.session, plan_id), g.user)


@api_route(bp, "/distributions", "POST", permission="payroll.distribution.write", status=201, idempotent=True,
           summary="Distribute an incentive amount to departments, then people by points × quality",
           body=DistributionCreate, response=DistributionSchema)
def create_distribution(body):
    return distribution.create_distribution(db.session, g.user.community_id, g.user, **body)


@api_route(bp, "/distributions/<int:distribution_id>", permission="payroll.distribution.read",
           summary="One distribution", response=DistributionSchema)
def get_distribution(distribution_id):
    return distribution.get_distribution(db.session, distribution_id)





@api_route(bp, "/payroll/pay-gap", permission="payroll.run.read", summary="收入差距: per institution average, highest "
           "and lowest annual gross and the fixed-pay share; members against the lead hospital", query=PayGapQuery,
           response=PayGapSchema)
def get_pay_gap(query):
    options = {key: query[key] for key in ("floor", "fixed_share_min") if key in query}
    return pay_gap(db.session, g.user.community_id, query["year"], **options)
