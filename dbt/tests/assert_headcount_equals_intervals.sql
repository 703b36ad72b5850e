-- hr_headcount_daily's headcount on a day is the number of effective intervals with an employed
-- status that cover it (checked on every vendor, tenant, department and day).
with expected as (
    select history.provider, history.tenant, history.department, headcount."date" as day,
           count(history.employee_id) as headcount
    from {{ ref('hr_headcount_daily') }} as headcount
    join {{ ref('hr_employment_history') }} as history
        on history.provider = headcount.vendor
        and coalesce(history.tenant, '') = coalesce(headcount.tenant, '')
        and history.department is not distinct from headcount.department
        and history.timeline = 'effective'
        and history.employment_status in ('active', 'on_leave', 'notice_period')
        and history.valid_from <= headcount."date"
        and (history.valid_to is null or history.valid_to >= headcount."date")
    group by history.provider, history.tenant, history.department, headcount."date"
)
select headcount.vendor, headcount.department, headcount."date", headcount.headcount, expected.headcount as expected
from {{ ref('hr_headcount_daily') }} as headcount
left join expected
    on expected.provider = headcount.vendor and coalesce(expected.tenant, '') = coalesce(headcount.tenant, '')
    and expected.department is not distinct from headcount.department and expected.day = headcount."date"
where headcount.headcount <> coalesce(expected.headcount, 0)
