-- as_of(today) (macros/history.sql) holds exactly the people hr_headcount_daily counts today, per
-- vendor, tenant and department.
with people as (
    select provider, tenant, department_name as department, count(*) as n
    from ({{ as_of(hr_today()) }}) as employees
    where is_employed
    group by provider, tenant, department_name
),
counted as (
    select vendor, tenant, department, headcount
    from {{ ref('hr_headcount_daily') }}
    where "date" = {{ hr_today() }} and headcount > 0
)
select counted.vendor, people.provider, counted.department, people.department, counted.headcount, people.n
from counted
full outer join people
    on people.provider = counted.vendor and coalesce(people.tenant, '') = coalesce(counted.tenant, '')
    and people.department is not distinct from counted.department
where coalesce(people.n, 0) <> coalesce(counted.headcount, 0)
